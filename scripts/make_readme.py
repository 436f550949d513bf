#!/usr/bin/env python
"""Generate README.md from nbs/index.ipynb with nbconvert's Markdown exporter.

nbdev 2's `nbdev_readme` needs Quarto, which cannot be installed everywhere; this does the same job for the README
(the docs site is still rendered by nbdev's GitHub workflow). `--check` fails if README.md is not current."""
import argparse, re, sys
from pathlib import Path
import nbformat
from nbconvert import MarkdownExporter

ROOT = Path(__file__).resolve().parent.parent

def render(nb_path=ROOT/'nbs'/'index.ipynb') -> str:
    nb = nbformat.read(nb_path, as_version=4)
    # cells marked `#| hide` stay out of the README, as in nbdev; directives are removed from the others
    nb.cells = [c for c in nb.cells if not re.search(r'^#\|\s*hide\s*$', c.source, re.M)]
    for c in nb.cells:
        if c.cell_type == 'code': c.source = re.sub(r'^#\|.*\n?', '', c.source, flags=re.M)
    body, _ = MarkdownExporter().from_notebook_node(nb)
    head = '<!-- generated from nbs/index.ipynb by scripts/make_readme.py: edit the notebook, not this file -->\n\n'
    return head + re.sub(r'\n{3,}', '\n\n', body).strip() + '\n'

if __name__ == '__main__':
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument('--check', action='store_true', help='exit 1 if README.md differs from what the notebook gives')
    a = ap.parse_args()
    text, readme = render(), ROOT/'README.md'
    if a.check:
        if not readme.is_file() or readme.read_text(encoding='utf-8') != text:
            sys.exit('README.md is not current: run `python scripts/make_readme.py` and commit it')
        print('README.md is current')
    else:
        readme.write_text(text, encoding='utf-8'); print(f'wrote {readme}')
