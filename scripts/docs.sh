#!/usr/bin/env bash
# Build the docs site into _docs/ from the notebooks in nbs/ (index.ipynb is the landing page).
# With Quarto on PATH this is nbdev's own `nbdev_docs`. Without it (Quarto's PyPI package downloads a binary, so it
# cannot be installed everywhere): nbdev's notebook processors write processed notebooks to _proc/ (directives
# applied, API entries from show_doc), then Sphinx + MyST-NB renders them with their committed outputs (no notebook
# is re-executed). Config: docs/conf.py. Usage: bash scripts/docs.sh
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-python}"

if command -v quarto >/dev/null 2>&1; then
  # from nbs/, where the notebooks run; README.md stays scripts/make_readme.py's (nbdev_docs would regenerate it)
  cp README.md _readme.tmp
  (cd nbs && nbdev_docs) || { mv _readme.tmp README.md; exit 1; }
  mv _readme.tmp README.md
  exit 0   # nbdev_docs writes _docs/
fi

rm -rf _proc _docs
"$PYTHON" - <<'EOF'
# nbdev's processors (FilterDefaults, as `nbdev_proc_nbs` uses them), one notebook at a time, run from nbs/ as Jupyter
# and nbdev_test do. Two departures, both so the site shows the notebooks as committed:
# - a cell nbdev runs only because it contains an import keeps its committed outputs, and if it fails (it needs
#   state from cells nbdev does not run) it is skipped with a message; exported and show_doc cells must still run;
# - Quarto cell options left for Quarto become MyST-NB cell tags, the title block becomes a heading, and API entries
#   get the anchors Quarto would give them (nbdev's doc links point at them).
import os, re, shutil, sys, warnings, yaml
from pathlib import Path
from execnb.nbio import read_nb, write_nb, mk_cell
from nbdev.config import get_config
from nbdev.processors import FilterDefaults, exec_show_docs

cfg = get_config()
nbs, root = Path(cfg.nbs_path), Path(cfg.config_path)
out = root/'_proc'
out.mkdir()
needed = {'export', 'exports', 'exporti', 'exec_doc'}

class exec_show_docs_keep(exec_show_docs):
    def __call__(self, cell):
        committed = cell.get('outputs')
        try: super().__call__(cell)
        except Exception as e:
            if needed & set(cell.directives_) or 'show_doc' in cell.source: raise
            print(f'docs: {Path(self.nb.path_).name}: cell {cell.idx_} not run for the API docs ({e.__cause__!r})',
                  file=sys.stderr)
            self.k.exc = None
        if committed is not None and 'show_doc' not in cell.source: cell.outputs = committed

class Procs(FilterDefaults):
    def base_procs(self): return [exec_show_docs_keep if p is exec_show_docs else p for p in super().base_procs()]

tags = {('echo', 'false'): 'remove-input', ('output', 'false'): 'remove-output', ('include', 'false'): 'remove-cell',
        ('code-fold', 'true'): 'hide-input'}
re_opt = re.compile(r'^#\|\s*([\w-]+)\s*:\s*(.*?)\s*$', re.M)
re_api = re.compile(r'^(#{2,4}) +([\w.]+)\s*$', re.M)
re_img = re.compile(r'!\[[^\]]*\]\(\s*<?([^)\s>]+)|<img\b[^>]*\bsrc="([^"]+)"')

def to_myst(nb, src):
    "Quarto-isms nbdev leaves for Quarto, in MyST-NB's terms; returns the page name (Quarto's output-file)"
    fm = {}
    if nb.cells and nb.cells[0].cell_type == 'raw' and nb.cells[0].source.startswith('---'):
        fm = yaml.safe_load(nb.cells[0].source.strip().strip('-')) or {}
        head = f"# {fm.get('title', src.stem)}" + (f"\n\n{fm['description']}" if fm.get('description') else '')
        nb.cells[0] = mk_cell(head, 'markdown')
    for c in nb.cells:
        if c.cell_type == 'code' and 'show_doc' in c.source:   # the anchors nbdev's doc links use: `#name`, `#cls.meth`
            for o in c.get('outputs', []):
                md = o.get('data', {}).get('text/markdown')
                if md: o['data']['text/markdown'] = re_api.sub(lambda m: f'<a id="{m[2].lower()}"></a>\n\n{m[0]}',
                                                               md if isinstance(md, str) else ''.join(md))
        if c.cell_type == 'code':
            opts = re_opt.findall(c.source)
            c.metadata['tags'] = [*c.metadata.get('tags', []), *(tags[o] for o in opts if o in tags)]
            c.source = re_opt.sub('', c.source).lstrip('\n')
        if c.cell_type == 'markdown':   # images: next to the notebooks, or (README style) relative to the repo root
            for ref in (a or b for a, b in re_img.findall(c.source)):
                if re.match(r'[a-z]+:|/|#', ref): continue
                for base in (nbs, root):
                    f = (base/ref).resolve()
                    if f.is_file():
                        if base is root or f.is_relative_to(nbs):
                            (out/ref).parent.mkdir(parents=True, exist_ok=True); shutil.copy2(f, out/ref)
                        break
    return Path(fm.get('output-file', src.stem)).stem

os.chdir(nbs); os.environ['IN_TEST'] = '1'
warnings.filterwarnings('ignore', 'Found cells containing imports and other code')   # nbdev's FAQ hint, per cell
pages = []
for src in sorted(nbs.glob('*.ipynb'), key=lambda p: (p.stem != 'index', p.name)):
    nb = read_nb(src)
    Procs()(nb)
    name = to_myst(nb, src)
    if src.stem == 'index': index = nb
    else: pages.append(name); write_nb(nb, out/f'{name}.ipynb')
# the sidebar: every other notebook, in file (numbered) order
index.cells.append(mk_cell('```{toctree}\n:hidden:\n\n' + '\n'.join(pages) + '\n```', 'markdown'))
write_nb(index, out/'index.ipynb')
print(f'docs: {len(pages) + 1} notebooks processed into {out}')
EOF
# MyST-NB writes beside Sphinx's output folder, so build inside _proc/ and move the site out
"$PYTHON" -m sphinx -b html -q -c docs -d _proc/_build/doctrees _proc _proc/_build/html
mv _proc/_build/html _docs
echo "docs: site written to _docs/ (open _docs/index.html)"
