"The notebooks are the tutorial: committed executed, with pictures, without errors, and written for readers."
import json, re
import pytest
from conftest import ROOT

NBS = sorted((ROOT/'nbs').glob('[0-9][0-9]*.ipynb'))
INTERNAL = re.compile(r'\bissue[ -]?#?\d|\.\./shared|seed card|\bthe seed\'s\b', re.I)

def cells(nb): return json.loads(nb.read_text())['cells']

@pytest.mark.parametrize('nb', NBS, ids=[p.stem for p in NBS])
def test_executed_with_a_picture_and_no_error(nb):
    cs = cells(nb)
    outs = [o for c in cs if c['cell_type'] == 'code' for o in c.get('outputs', [])]
    assert outs, f'{nb.name}: no outputs; execute it (cd nbs && jupyter nbconvert --to notebook --execute --inplace {nb.name})'
    assert not [o for o in outs if o['output_type'] == 'error'], f'{nb.name}: an error output is committed'
    pictures = [o for o in outs if 'image/png' in o.get('data', {})]
    md_images = [c for c in cs if c['cell_type'] == 'markdown' and '![' in ''.join(c['source'])]
    assert pictures or md_images, f'{nb.name}: no picture'

@pytest.mark.parametrize('nb', [*NBS, ROOT/'nbs'/'index.ipynb'], ids=[*(p.stem for p in NBS), 'index'])
def test_prose_has_no_internal_labels(nb):
    bad = [m.group(0) for c in cells(nb) if c['cell_type'] == 'markdown' for m in INTERNAL.finditer(''.join(c['source']))]
    assert not bad, f'{nb.name}: internal labels in the prose: {bad}'

def test_story_order():
    names = [p.stem for p in NBS]
    assert names == sorted(names) and names[0] == '00_data' and {'04_train', '06_eval', '08_cli'} <= set(names)
