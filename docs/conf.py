# Sphinx config for the docs site: the notebooks nbdev has processed into _proc/ (see scripts/docs.sh),
# rendered by MyST-NB with their committed outputs, in the Furo theme. Everything the pages load is local.
from configparser import ConfigParser
from pathlib import Path

_ini = ConfigParser(); _ini.read(Path(__file__).resolve().parent.parent/'settings.ini')
_s = _ini['DEFAULT']
project, author, copyright = _s['title'], _s['author'], _s['copyright']
release = version = _s['version']
html_title = f"{project} {version}"
html_baseurl = f"{_s['doc_host']}{_s['doc_baseurl']}/"

extensions = ['myst_nb', 'sphinx-mathjax-offline']   # MathJax served from _static, not a CDN
root_doc = 'index'
exclude_patterns = ['_build', '**.ipynb_checkpoints']
nb_execution_mode = 'off'                   # never run a notebook: pages show the outputs committed with it
nb_render_markdown_format = 'myst'          # show_doc's API entries are text/markdown outputs
nb_ipywidgets_js = {}                       # no widget scripts from a CDN
myst_enable_extensions = ['dollarmath', 'attrs_inline', 'colon_fence']
suppress_warnings = ['myst.header', 'docutils']  # notebooks may skip heading levels; show_doc opens with a rule
html_theme = 'furo'
html_show_sourcelink = False
html_copy_source = False
pygments_style, pygments_dark_style = 'friendly', 'monokai'
