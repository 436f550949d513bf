"Command-line tests of the data and tokenizer steps."
import json, os, shutil
from pathlib import Path
from conftest import cli, needs_mirror, MIRROR, DATA
from scratch_lm.data import WIKITEXT, sha256_file

def test_help_lists_every_command():
    out = cli('--help').stdout
    for c in ('data', 'tokenizer', 'train', 'eval', 'generate', 'bench'): assert c in out

def test_missing_mirror_is_one_line(tmp_path):
    r = cli('data', '--from', tmp_path/'nope', '--out', tmp_path/'out', check=False)
    assert r.returncode == 1 and r.stderr.count('\n') == 1 and 'mirror folder not found' in r.stderr

def test_corrupt_mirror_is_refused_and_leaves_nothing(tmp_path):
    mirror = tmp_path/'mirror'; mirror.mkdir()
    for s in ('train', 'valid', 'test'): (mirror/f'wiki.{s}.tokens').write_text(f' = {s} = \n text \n')
    r = cli('data', '--from', mirror, '--out', tmp_path/'out', check=False)
    assert r.returncode == 1 and r.stderr.count('\n') == 1
    assert 'wiki.train.tokens: SHA-256 mismatch' in r.stderr and WIKITEXT['v1']['sha256']['train'] in r.stderr
    assert [p for p in (tmp_path/'out').rglob('*') if p.is_file()] == []

@needs_mirror
def test_truncated_real_file_is_refused(tmp_path):
    mirror = tmp_path/'mirror'; shutil.copytree(MIRROR, mirror)
    f = mirror/'wiki.valid.tokens'; f.write_bytes(f.read_bytes()[:-100])
    r = cli('data', '--from', mirror, '--out', tmp_path/'out', check=False)
    assert r.returncode == 1 and 'wiki.valid.tokens: SHA-256 mismatch' in r.stderr
    assert [p for p in (tmp_path/'out').rglob('*') if p.is_file()] == []

@needs_mirror
def test_data_step_is_verified_and_idempotent(tmp_path):
    cli('data', '--from', MIRROR, '--out', tmp_path)
    stats = json.loads((tmp_path/'wikitext-2-v1'/'stats.json').read_text())
    assert {s: stats['splits'][s]['words'] for s in ('train', 'valid', 'test')} == WIKITEXT['v1']['words']
    for s in ('valid', 'test'):   # validation and test are byte-for-byte the official files
        assert sha256_file(tmp_path/'wikitext-2-v1'/f'wiki.{s}.tokens') == WIKITEXT['v1']['sha256'][s]
    again = cli('data', '--from', MIRROR, '--out', tmp_path).stdout
    assert 'nothing to do' in again

def test_readme_hash_matches_committed_tokenizer():
    readme = (Path(__file__).resolve().parent.parent/'README.md').read_text()
    tok = Path(__file__).resolve().parent.parent/'data'/'tokenizer'/'v1'/'tokenizer.json'
    assert sha256_file(tok) in readme
    from scratch_lm.tokenizer import TOKENIZER_SHA256
    assert TOKENIZER_SHA256['v1'] == sha256_file(tok)

@needs_mirror
def test_tokenizer_retrains_byte_identical(tmp_path):
    cli('data', '--from', MIRROR, '--out', tmp_path)
    out = cli('tokenizer', '--data', tmp_path, '--retrain').stdout
    assert 'identical to the released tokenizer' in out
    meta = json.loads((tmp_path/'tokens'/'v1'/'meta.json').read_text())
    assert meta['splits']['valid']['words'] == WIKITEXT['v1']['words']['valid']
