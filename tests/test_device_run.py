"The GPU run's script, rehearsed on the CPU (SCRATCH_LM_DRY_RUN=1): the same steps and the same files, tiny preset."
import json, os, subprocess, sys
from pathlib import Path
from conftest import ROOT, DATA, make_fixture

def test_device_run_dry(tmp_path):
    env = {**os.environ, 'SCRATCH_LM_DRY_RUN': '1', 'OUT': str(tmp_path/'out'), 'TRAIN_SECONDS': '10', 'SCRATCH_LM_DATA': str(DATA),
           'SCRATCH_LM_SWEEP': ' - ; max_steps=40 lr=1e-4',                # two runs: the preset as it is, then a slow learner
           'SCRATCH_LM_PART_MIB': '1.25'}                                     # the tiny release in 3 parts, as the real one ships
    r = subprocess.run(['bash', 'scripts/device_run.sh'], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    files = sorted(p.name for p in (tmp_path/'out').iterdir())
    assert files == ['eval.json', 'loss.png', 'metrics.jsonl', 'speed.json', 'weights.json', 'weights.pt.part0', 'weights.pt.part1',
                     'weights.pt.part2']
    assert all((tmp_path/'out'/f).stat().st_size < 15 * 2**20 + 1 for f in files) and len(files) <= 8
    ev, sp = json.loads((tmp_path/'out'/'eval.json').read_text()), json.loads((tmp_path/'out'/'speed.json').read_text())
    assert ev['mode'] == 'strict' and ev['device'] == 'cpu' and ev['train']['step'] >= 40
    from scratch_lm.tokenizer import load_tokens                  # the whole validation split was scored, and only it
    assert ev['file'].endswith('wiki.valid.tokens') and ev['n_tokens'] == len(load_tokens(DATA, 'v1', 'valid')) - 1
    assert sp['tokens_per_s'] > 0 and sp['peers']['hf_gpt2']['tokens_per_s'] > 0 and sp['env']['dry_run']
    runs = {r['run']: r for r in ev['sweep']}                          # both recorded; OUT holds the better one's weights and curve
    assert [r['overrides'] for r in ev['sweep']] == [[], ['max_steps=40', 'lr=1e-4']] and ev['sweep'][1]['max_steps'] == 40
    first = ev['sweep'][0]                                             # sized to 70 % of TRAIN_SECONDS at the measured speed
    assert first['max_steps'] == max(40, int(10 * sp['tokens_per_s'] / first['tokens_per_step'] * 0.7))
    assert all(x['tokens_per_s'] > 0 for r in ev['sweep'] for x in r['train'])   # each run's speed, for comparing variants
    win = min(runs.values(), key=lambda r: r['summary']['best_val_loss'])
    w = json.loads((tmp_path/'out'/'weights.json').read_text())
    assert w['run'] == win['run'] and ev['overrides'] == win['overrides'] and abs(w['val_loss'] - win['summary']['best_val_loss']) < 1e-9
    assert [r['step'] for r in map(json.loads, (tmp_path/'out'/'metrics.jsonl').read_text().splitlines()) if 'val_loss' in r] == \
           [c['step'] for c in win['curve']]
    import torch                                                  # the parts put back together are a loadable release
    blob = b''.join((tmp_path/'out'/f).read_bytes() for f in files if f.startswith('weights.pt'))
    (tmp_path/'w.pt').write_bytes(blob)
    from scratch_lm.checkpoint import load_checkpoint, model_from_checkpoint
    model_from_checkpoint(load_checkpoint(tmp_path/'w.pt'))
    # brought home: released, re-scored on the CPU, with where and how long it trained (a small text keeps it quick)
    import tempfile
    fx = make_fixture(Path(tempfile.gettempdir())/'scratch_lm_fixture')
    r = subprocess.run([sys.executable, 'scripts/bring_home.py', str(tmp_path/'out'), '--releases', str(tmp_path/'rel'),
                        '--data', str(fx), '--splits', 'valid', '--stride', '32'], cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-2000:]
    info = json.loads(next((tmp_path/'rel').glob('wikitext2_*M_gpu.json')).read_text())
    assert info['gpu_run']['train_seconds'] > 0 and info['gpu_run']['speed']['tokens_per_s'] > 0
    g = info['gpu_run']                                               # each figure from its field of the call's record
    assert (g['gpu'], g['torch'], g['cuda'], g['preset']) == (ev['env']['gpu'], ev['env']['torch'], ev['env']['cuda'], 'tiny')
    assert (g['steps'], g['tokens_per_step'], g['train_seconds']) == (ev['train']['step'], ev['tokens_per_step'], ev['train']['train_seconds'])
    assert g['valid_strict_on_gpu'] == {k: ev[k] for k in ('token_ppl', 'word_ppl', 'bits_per_byte', 'n_tokens')}
    assert info['evaluations']['valid_strict']['token_ppl'] > 1 and len(list((tmp_path/'rel').glob('wikitext2_*M_gpu.pt'))) == 1
    assert info['evaluations']['valid_strict']['mode'] == 'strict' and info['evaluations']['valid_sliding32']['mode'] == 'sliding(stride=32)'
    assert info['gpu_run']['speed_source'] == 'this call' and [r['overrides'] for r in info['gpu_run']['sweep']] == [[], ['max_steps=40', 'lr=1e-4']]
    (tmp_path/'out'/'speed.json').rename(tmp_path/'speed.json')        # a run made with SPEED_ROW=0: the speed row must come from elsewhere
    safe = ['--releases', str(tmp_path/'rel3'), '--data', str(fx), '--splits', 'valid']      # never the real releases/, if a check slipped
    bad = subprocess.run([sys.executable, 'scripts/bring_home.py', str(tmp_path/'out'), *safe], cwd=ROOT, capture_output=True, text=True)
    assert bad.returncode == 1 and 'pass --speed' in bad.stderr and bad.stderr.count('\n') == 1
    (tmp_path/'other.json').write_text(json.dumps({**sp, 'gpu': 'another GPU'}))
    bad = subprocess.run([sys.executable, 'scripts/bring_home.py', str(tmp_path/'out'), '--speed', str(tmp_path/'other.json'), *safe],
                         cwd=ROOT, capture_output=True, text=True)
    assert bad.returncode == 1 and 'must come from the same GPU' in bad.stderr
    (tmp_path/'failed.json').write_text(json.dumps({'error': 'the peer could not run', 'env': sp['env']}))   # a speed row that failed
    bad = subprocess.run([sys.executable, 'scripts/bring_home.py', str(tmp_path/'out'), '--speed', str(tmp_path/'failed.json'), *safe],
                         cwd=ROOT, capture_output=True, text=True)
    assert bad.returncode == 1 and 'holds no speed row (the peer could not run)' in bad.stderr
    (tmp_path/'speed.json').rename(tmp_path/'out'/'speed.json')
    bad = subprocess.run([sys.executable, 'scripts/bring_home.py', str(tmp_path), *safe], cwd=ROOT, capture_output=True, text=True)
    assert bad.returncode == 1 and 'eval.json: missing' in bad.stderr and bad.stderr.count('\n') == 1
    evp = tmp_path/'out'/'eval.json'; keep = evp.read_text()             # a record of another run than the weights'
    evp.write_text(json.dumps({**json.loads(keep), 'run': 'another'}))
    bad = subprocess.run([sys.executable, 'scripts/bring_home.py', str(tmp_path/'out'), *safe], cwd=ROOT, capture_output=True, text=True)
    assert bad.returncode == 1 and 'describes run another' in bad.stderr
    evp.write_text(keep)
    (tmp_path/'out'/'weights.pt.part0').write_bytes(blob[:-10] + b'0123456789')    # a part from another checkpoint
    bad = subprocess.run([sys.executable, 'scripts/bring_home.py', str(tmp_path/'out'), '--releases', str(tmp_path/'rel2')],
                         cwd=ROOT, capture_output=True, text=True)
    assert bad.returncode == 1 and 'do not match weights.json' in bad.stderr

def test_device_run_needs_out():
    env = {k: v for k, v in os.environ.items() if k != 'OUT'}
    r = subprocess.run(['bash', 'scripts/device_run.sh'], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert r.returncode != 0 and 'set OUT' in r.stderr

def test_device_run_refuses_bad_settings_at_once(tmp_path):
    base = {**os.environ, 'OUT': str(tmp_path/'out'), 'SCRATCH_LM_DRY_RUN': '1', 'SCRATCH_LM_DATA': str(DATA)}
    for env, msg in [({'SCRATCH_LM_SWEEP': 'weight_decay=3.0; lr=1e-3;'}, 'variant 3 is empty'),
                     ({'SPEED_ROW': 'no'}, "SPEED_ROW='no': use 1 or 0"),
                     ({'SCRATCH_LM_DRY_RUN': 'false'}, 'use 1 or 0'),
                     ({'SCRATCH_LM_SWEEP': '-; init_from=nowhere.pt'}, 'nowhere.pt: checkpoint not found'),
                     ({'SCRATCH_LM_OVERRIDES': 'model.n_layers=40 model.d_model=512'}, 'more than the 8 that come back')]:
        r = subprocess.run(['bash', 'scripts/device_run.sh'], cwd=ROOT, env={**base, **env}, capture_output=True, text=True, timeout=120)
        assert r.returncode != 0 and msg in r.stderr, (env, r.stderr[-500:])
        assert 'preflight' not in r.stdout                             # before anything slow

def test_device_run_stopped_still_scores_and_records(tmp_path):
    "SIGTERM mid-run (DEADLINE_S stops the same way): the run stops at a step, the shipped weights are scored, eval.json says so."
    import queue, signal, threading, time
    out = tmp_path/'out'
    env = {**os.environ, 'SCRATCH_LM_DRY_RUN': '1', 'OUT': str(out), 'SPEED_ROW': '0', 'SCRATCH_LM_DATA': str(DATA),
           'SCRATCH_LM_OVERRIDES': 'max_steps=100000 eval_every=10'}
    p = subprocess.Popen(['bash', 'scripts/device_run.sh'], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    lines = queue.Queue()
    threading.Thread(target=lambda: [lines.put(l) for l in p.stdout] + [lines.put(None)], daemon=True).start()
    def read_until(word, seconds):
        seen, end = [], time.time() + seconds
        while time.time() < end:
            try: l = lines.get(timeout=1)
            except queue.Empty: continue
            if l is None: break
            seen.append(l)
            if word in l: return ''.join(seen)
        raise AssertionError(f'no {word!r} in:\n' + ''.join(seen))
    try:
        read_until('shipped', 300)                                     # the first best weights are in OUT
        ev0 = json.loads((out/'eval.json').read_text())                # written with them, before any scoring
        assert ev0['run'] == json.loads((out/'weights.json').read_text())['run'] and 'token_ppl' not in ev0
        assert ev0['train']['in_progress']
        p.send_signal(signal.SIGTERM)
        rest = read_until('files in OUT', 300)
        assert p.wait(timeout=60) == 0, rest
    finally:
        if p.poll() is None: p.kill()
    ev, w = json.loads((out/'eval.json').read_text()), json.loads((out/'weights.json').read_text())
    assert 'stopped' in rest and ev['train']['interrupted'] and ev['token_ppl'] > 1 and ev['run'] == w['run']
    assert 10 <= ev['train']['step'] < 100000 and abs(ev['train']['best_val_loss'] - w['val_loss']) < 1e-4
    assert 'in_progress' not in ev['train']
    assert sorted(f.name for f in out.iterdir()) == ['eval.json', 'loss.png', 'metrics.jsonl', 'weights.json', 'weights.pt.part0']

def test_device_run_deadline_before_training(tmp_path):
    "A deadline already passed when training would start: no run starts, and the script says why."
    env = {**os.environ, 'SCRATCH_LM_DRY_RUN': '1', 'OUT': str(tmp_path/'out'), 'SPEED_ROW': '0', 'SCRATCH_LM_DATA': str(DATA),
           'DEADLINE_S': '0.5'}
    r = subprocess.run(['bash', 'scripts/device_run.sh'], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert r.returncode == 1 and 'deadline: runs 1-1 not started' in r.stdout and 'no run reached an evaluation' in r.stderr

def test_device_run_cuda_graph_variant(tmp_path):
    "A variant that trains with CUDA graphs gets its own preflight (compiled loop; replays draw new dropout masks) and trains."
    env = {**os.environ, 'SCRATCH_LM_DRY_RUN': '1', 'OUT': str(tmp_path/'out'), 'SPEED_ROW': '0', 'SCRATCH_LM_DATA': str(DATA),
           'SCRATCH_LM_SWEEP': 'compile=true compile_mode=reduce-overhead grad_accum=1 max_steps=20'}
    r = subprocess.run(['bash', 'scripts/device_run.sh'], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    assert 'preflight, compile_mode reduce-overhead: 6 compiled steps with every dropout: fine' in r.stdout
    assert 'reduce-overhead, attention dropout (SDPA): replays draw new masks' in r.stdout and 'the other dropouts: replays' in r.stdout
    ev = json.loads((tmp_path/'out'/'eval.json').read_text())
    assert ev['train']['step'] == 20 and ev['overrides'][:2] == ['compile=true', 'compile_mode=reduce-overhead']
    bad = subprocess.run(['bash', 'scripts/device_run.sh'], cwd=ROOT, capture_output=True, text=True, timeout=120,
                         env={**env, 'SCRATCH_LM_SWEEP': 'compile=true compile_mode=reduce-overhead'})   # tiny accumulates 2
    assert bad.returncode != 0 and 'needs grad_accum 1' in bad.stderr and 'Traceback' not in bad.stderr and 'preflight' not in bad.stdout

def test_device_run_skips_a_run_that_cannot_finish_before_the_deadline(tmp_path):
    "At the pace of the runs before it, a variant that would end past DEADLINE_S is not started (a run cut in its decay compares with nothing)."
    out = tmp_path/'out'
    env = {**os.environ, 'SCRATCH_LM_DRY_RUN': '1', 'OUT': str(out), 'SPEED_ROW': '0', 'SCRATCH_LM_DATA': str(DATA),
           'DEADLINE_S': '400', 'SCRATCH_LM_SWEEP': 'max_steps=20; max_steps=1000000'}
    r = subprocess.run(['bash', 'scripts/device_run.sh'], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    assert 'run 2 would need' in r.stdout and 'runs 2-2 not started' in r.stdout
    ev = json.loads((out/'eval.json').read_text())
    assert [x['overrides'] for x in ev['sweep']] == [['max_steps=20']] and ev['train']['step'] == 20 and ev['token_ppl'] > 1
    assert not [p for p in out.iterdir() if p.name.startswith('.')]      # nothing staged left in OUT
    assert not list(tmp_path.glob('.scratch_lm_staging_*'))             # nor beside it

def test_device_run_trains_uncompiled_when_the_compiler_fails(tmp_path):
    "A compiler that fails on the machine (here: no working C++ compiler for inductor) costs a restart, not the call."
    out = tmp_path/'out'
    env = {**os.environ, 'SCRATCH_LM_DRY_RUN': '1', 'OUT': str(out), 'SPEED_ROW': '0', 'SCRATCH_LM_DATA': str(DATA),
           'CXX': '/bin/false', 'TORCHINDUCTOR_CACHE_DIR': str(tmp_path/'cache'),   # (an empty cache: the compiler must run)
           'SCRATCH_LM_SWEEP': 'compile=true grad_accum=1 max_steps=20; compile=true grad_accum=1 max_steps=10'}
    r = subprocess.run(['bash', 'scripts/device_run.sh'], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    assert 'torch.compile failed in run 1 (InductorError' in r.stdout and 'it starts again uncompiled' in r.stdout
    assert '(uncompiled: the compiler failed in run 1)' in r.stdout
    ev = json.loads((out/'eval.json').read_text())
    assert [x['overrides'][-1] for x in ev['sweep']] == ['compile=false'] * 2 and [x['summary']['step'] for x in ev['sweep']] == [20, 10]
    assert ev['overrides'][-1] == 'compile=false' and ev['token_ppl'] > 1
