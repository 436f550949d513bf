"End-to-end tests of train / eval / generate with the tiny preset (needs the prepared data)."
import json, math, os, re, signal, subprocess, sys, time
from pathlib import Path
import pytest, torch, yaml
from conftest import cli, ROOT, DATA
TINY = ['--preset', 'tiny', '--data', DATA, '--wandb', 'off']

def metrics(run): return [json.loads(l) for l in (run/'metrics.jsonl').read_text().splitlines()]
def losses(run): return [(r['step'], r['loss']) for r in metrics(run) if 'loss' in r]

@pytest.fixture(scope='module')
def tiny_run(tmp_path_factory):
    run = tmp_path_factory.mktemp('runs')/'tiny'
    cli('train', *TINY, '--run-dir', run, '--max-steps', 40)
    return run

def test_tiny_run_learns_and_leaves_its_files(tiny_run):
    rows = [r for r in metrics(tiny_run) if 'loss' in r]
    assert rows[-1]['loss'] < rows[0]['loss'] - 1.0                 # the loss falls
    assert {'step', 'loss', 'lr', 'tokens', 'tokens_per_s'} <= set(rows[0])
    ev = [r for r in metrics(tiny_run) if 'val_loss' in r]
    assert ev and {'val_loss', 'val_ppl'} <= set(ev[0])
    ck = sorted(p.name for p in (tiny_run/'checkpoints').iterdir())
    assert ck == ['best.pt', 'step_0000020.pt', 'step_0000030.pt', 'step_0000040.pt']   # last 3 + best
    cfg = yaml.safe_load((tiny_run/'config.yaml').read_text())
    assert cfg['git_commit'] and len(cfg['tokenizer_sha256']) == 64 and cfg['seed'] == 42
    assert sorted(cfg['data_sha256']) == ['train', 'valid'] and all(len(h) == 64 for h in cfg['data_sha256'].values())   # resume compares them
    assert (tiny_run/'loss.png').stat().st_size > 1000

def _final_state(run):
    return torch.load(run/'checkpoints'/'step_0000040.pt', weights_only=True)['model']

def _kill_at(checkpoint, *args):
    "Start `train ARGS` and SIGKILL it as soon as its checkpoint `checkpoint` exists (it is renamed into place whole)."
    run = Path(args[args.index('--run-dir') + 1])
    p = subprocess.Popen([sys.executable, '-m', 'scratch_lm.cli', 'train', *map(str, args)], cwd=ROOT,
                         env={**os.environ, 'WANDB_MODE': 'disabled'}, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 300
    while not (run/'checkpoints'/checkpoint).exists():
        assert p.poll() is None and time.time() < deadline, f'run ended before writing {checkpoint}'
        time.sleep(0.02)
    p.send_signal(signal.SIGKILL); p.wait()

def test_sigkill_and_resume_is_exact(tiny_run, tmp_path):
    run = tmp_path/'killed'
    _kill_at('step_0000020.pt', *TINY, '--run-dir', run, '--max-steps', 40)
    assert not (run/'checkpoints'/'step_0000040.pt').exists()
    out = cli('train', *TINY, '--run-dir', run, '--max-steps', 40).stdout
    assert 'resuming' in out
    a, b = metrics(tiny_run), metrics(run)
    assert losses(tiny_run) == losses(run)                            # exactly the same losses, step by step
    assert [r['step'] for r in a] == [r['step'] for r in b]           # no duplicated log lines
    assert [r['val_loss'] for r in a if 'val_loss' in r] == [r['val_loss'] for r in b if 'val_loss' in r]
    sa, sb = _final_state(tiny_run), _final_state(run)
    assert all(torch.equal(sa[k], sb[k]) for k in sa)                 # and bit-identical weights

def test_sigterm_checkpoints_and_resume_is_exact(tiny_run, tmp_path):
    run = tmp_path/'term'
    env = {**os.environ, 'WANDB_MODE': 'disabled'}
    p = subprocess.Popen([sys.executable, '-m', 'scratch_lm.cli', 'train', *map(str, TINY), '--run-dir', str(run),
                          '--max-steps', '40'], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 300
    while not (run/'checkpoints'/'step_0000010.pt').exists():
        assert p.poll() is None and time.time() < deadline, 'run ended before its first checkpoint'
        time.sleep(0.02)
    p.send_signal(signal.SIGTERM); out, err = p.communicate(timeout=120)
    last = err.strip().splitlines()[-1]                               # (the lines before it are the progress bar)
    assert p.returncode == 1 and 'Traceback' not in err and last.startswith('stopped: SIGTERM at step'), err
    step = int(re.search(r'SIGTERM at step (\d+): wrote .*step_(\d+)\.pt; run the same command again', last).group(1))
    assert 10 <= step < 40 and (run/'checkpoints'/f'step_{step:07d}.pt').exists()   # a checkpoint at the current step
    out = cli('train', *TINY, '--run-dir', run, '--max-steps', 40).stdout
    assert f'(step {step})' in out
    assert losses(tiny_run) == losses(run)
    sa, sb = _final_state(tiny_run), _final_state(run)
    assert all(torch.equal(sa[k], sb[k]) for k in sa)

def test_compiled_run_killed_and_resumed_is_exact(tmp_path):
    """Compiled (inductor, with dropout, dropout of whole token types and gradient accumulation), a run killed and resumed
    ends where an uninterrupted one does."""
    args = [*TINY, '--max-steps', 30, 'compile=true', 'model.attn_impl=sdpa',    # one kernel for both runs, not `auto`'s pick
            'model.type_dropout=0.1', 'ema=0.9']                             # (the average, saved and resumed too)
    whole, run = tmp_path/'whole', tmp_path/'killed'
    cli('train', *args, '--run-dir', whole)
    _kill_at('step_0000010.pt', *args, '--run-dir', run)
    assert not (run/'checkpoints'/'step_0000030.pt').exists()
    assert 'resuming' in cli('train', *args, '--run-dir', run).stdout
    assert losses(whole) == losses(run) and len(losses(run)) >= 3
    assert [r['val_loss'] for r in metrics(whole) if 'val_loss' in r] == [r['val_loss'] for r in metrics(run) if 'val_loss' in r]
    ca, cb = (torch.load(r/'checkpoints'/'step_0000030.pt', weights_only=True) for r in (whole, run))
    for part in ('model', 'ema'):                                     # bit-identical weights, and averaged weights
        assert all(torch.equal(ca[part][k], cb[part][k]) for k in ca[part]), part

def test_resume_refuses_another_model_or_schedule(tiny_run, tmp_path):
    import shutil
    run = tmp_path/'changed'; shutil.copytree(tiny_run, run)
    r = cli('train', *TINY, '--run-dir', run, '--max-steps', 40, 'model.d_model=128', check=False)
    assert r.returncode == 1 and r.stderr.count('\n') == 1 and 'Traceback' not in r.stderr
    assert 'another model (model.d_model 64 -> 128)' in r.stderr
    r = cli('train', *TINY, '--run-dir', run, '--max-steps', 40)          # the same command again: a finished run
    summary = json.loads(r.stdout.strip().splitlines()[-1])               # last_loss null (no step), not NaN
    assert 'already trained to step 40 of 40; nothing to do' in r.stdout and summary['step'] == 40 and summary['last_loss'] is None
    r = cli('train', *TINY, '--run-dir', run, '--max-steps', 50, check=False)
    assert r.returncode == 1 and 'max_steps 40 -> 50' in r.stderr and '--allow-config-change' in r.stderr
    r = cli('train', *TINY, '--run-dir', run, '--max-steps', 50, '--allow-config-change', 'weight_decay=0.5')
    assert 'resuming with max_steps 40 -> 50' in r.stdout and (run/'checkpoints'/'step_0000050.pt').exists()
    groups = torch.load(run/'checkpoints'/'step_0000050.pt', weights_only=True)['optimizer']['param_groups']
    assert 'weight_decay' in r.stdout and [g['weight_decay'] for g in groups] == [0.5, 0.0]   # the change applied, not just printed

def test_ema_best_checkpoint_is_what_was_scored(tmp_path):
    from scratch_lm.checkpoint import load_checkpoint, model_from_checkpoint
    from scratch_lm.config import load_config
    from scratch_lm.step import Precision
    from scratch_lm.tokenizer import load_tokens
    from scratch_lm.train import val_loss
    import numpy as np
    run = tmp_path/'ema'
    cli('train', *TINY, '--run-dir', run, '--max-steps', 40, 'ema=0.9')
    best = min(r['val_loss'] for r in metrics(run) if 'val_loss' in r)
    ck = load_checkpoint(run/'checkpoints'/'best.pt')
    cfg = load_config('tiny')
    val = torch.as_tensor(np.asarray(load_tokens(DATA, 'v1', 'valid'), dtype=np.int64))
    vl = val_loss(model_from_checkpoint(ck), val, 64, cfg.batch_size, Precision('cpu', ck['config']['precision']), cfg.eval_windows)
    assert abs(vl - best) < 1e-4                                      # re-scoring best.pt gives the logged figure
    assert not torch.equal(ck['ema']['wpe.weight'], ck['model']['wpe.weight'])   # and those are the averaged weights

def test_the_loop_applies_the_schedule_and_the_average(tmp_path):
    """Checkpoint after checkpoint, the optimizer holds the schedule's lr for the step just taken (warm-up and decay), and
    the averaged weights are 0.9 of the last average plus 0.1 of the new weights (ema=0.9)."""
    from scratch_lm.config import load_config
    from scratch_lm.step import lr_at
    ov = ['warmup_steps=2', 'ckpt_every=1', 'keep_last=6', 'ema=0.9']
    run = tmp_path/'sched'
    cli('train', *TINY, '--run-dir', run, '--max-steps', 6, '--seed', 7, *ov)
    cfg = load_config('tiny', ov + ['max_steps=6'])
    assert yaml.safe_load((run/'config.yaml').read_text())['seed'] == 7   # --seed reaches the run (42 by default)
    cks = [torch.load(run/'checkpoints'/f'step_{k:07d}.pt', weights_only=True) for k in range(1, 7)]
    lrs = [[g['lr'] for g in ck['optimizer']['param_groups']] for ck in cks]
    assert lrs == [[lr_at(k, cfg)] * len(lrs[0]) for k in range(6)]
    assert lrs[0] < lrs[1] == lrs[2] > lrs[3] > lrs[4] > lrs[5]        # warm-up to the peak, then the decay
    for prev, ck in zip(cks, cks[1:]):
        for k, e in ck['ema'].items():
            if e.is_floating_point():
                assert torch.allclose(e, 0.9 * prev['ema'][k] + 0.1 * ck['model'][k], rtol=1e-5, atol=1e-7), k
        assert not torch.equal(ck['ema']['wpe.weight'], prev['ema']['wpe.weight'])

def test_patience_stops_and_stays_stopped(tmp_path):
    run = tmp_path/'patience'
    args = ['train', *TINY, '--run-dir', run, '--max-steps', 40, 'lr=0', 'patience=2', 'eval_every=5', 'ckpt_every=5']
    out = cli(*args).stdout                                           # lr 0: validation never improves after the first eval
    assert 'early stop: no improvement in 2 evals' in out
    assert [r['step'] for r in metrics(run) if 'val_loss' in r] == [5, 10, 15]
    assert (run/'checkpoints'/'step_0000015.pt').exists() and not (run/'checkpoints'/'step_0000020.pt').exists()
    again = cli(*args).stdout                                         # resumed, it stays stopped
    assert 'early stop' in again and [r['step'] for r in metrics(run) if 'val_loss' in r] == [5, 10, 15]

def test_corrupt_newest_checkpoint_falls_back(tiny_run, tmp_path):
    import shutil
    run = tmp_path/'corrupt'; shutil.copytree(tiny_run, run)
    newest = run/'checkpoints'/'step_0000040.pt'
    newest.write_bytes(newest.read_bytes()[:1000])
    r = cli('train', *TINY, '--run-dir', run, '--max-steps', 40)
    assert 'step_0000040.pt: not a readable scratch_lm checkpoint' in r.stdout + r.stderr
    assert 'resuming' in r.stdout and 'step 30' in r.stdout
    assert losses(run) == losses(tiny_run)

def test_nan_loss_stops_with_the_step_named(tmp_path, monkeypatch):
    import scratch_lm.train as T
    from scratch_lm.model import GPT
    class Exploding(GPT):
        calls = 0
        def forward(self, idx, targets=None, **kw):
            out = super().forward(idx, targets, **kw)
            Exploding.calls += 1
            if targets is None or Exploding.calls <= 12: return out
            return out * float('nan') if kw.get('only_loss') else (out[0], out[1] * float('nan'))   # training asks for the loss alone
    monkeypatch.setattr(T, 'GPT', Exploding)
    from scratch_lm.config import load_config
    cfg = load_config('tiny', data=str(DATA), wandb='off', ckpt_every=5)
    with pytest.raises(T.TrainingDiverged, match=r'loss or gradients are not finite \(nan\) at step 7; stopped. Last good checkpoint: .*step_0000005.pt'):
        T.train(cfg, tmp_path/'nan', max_steps=20, quiet=True)
    assert sorted(p.name for p in (tmp_path/'nan'/'checkpoints').iterdir()) == ['step_0000005.pt']

def test_eval_json_on_any_text(tiny_run, tmp_path):
    f = tmp_path/'t.txt'; f.write_text(' = Test = \n The cat sat on the mat . \n' * 30)
    r = json.loads(cli('eval', '--checkpoint', tiny_run/'checkpoints'/'best.pt', '--text', f, '--json').stdout)
    for k in ('total_nll', 'n_tokens', 'n_words', 'n_bytes', 'token_ppl', 'word_ppl', 'bits_per_byte'): assert k in r
    assert math.isclose(r['token_ppl'], math.exp(r['total_nll'] / r['n_tokens']))
    assert r['n_words'] == 30 * (4 + 8)                               # words + one <eos> per line: '= Test =' and 'The cat sat on the mat .'
    s = json.loads(cli('eval', '--checkpoint', tiny_run/'checkpoints'/'best.pt', '--text', f, '--json', '--stride', 16).stdout)
    assert s['n_tokens'] == r['n_tokens'] and s['mode'] == 'sliding(stride=16)'
    bad = cli('eval', '--checkpoint', tmp_path/'none.pt', '--text', f, check=False)
    assert bad.returncode == 1 and bad.stderr.count('\n') == 1

def test_generate_cli(tiny_run):
    ck = tiny_run/'checkpoints'/'best.pt'
    a = cli('generate', '--checkpoint', ck, '--prompt', 'The history of', '--max-new-tokens', 20, '--seed', 7).stdout
    assert a.startswith('The history of') and a == cli('generate', '--checkpoint', ck, '--prompt', 'The history of',
                                                         '--max-new-tokens', 20, '--seed', 7).stdout
    s = cli('generate', '--checkpoint', ck, '--prompt', 'The history of', '--max-new-tokens', 20, '--seed', 7, '--stream').stdout
    assert s == a
    greedy = cli('generate', '--checkpoint', ck, '--prompt', 'The history of', '--max-new-tokens', 20, '--temperature', 0).stdout
    for args in (['--top-k', 1], ['--top-p', 1e-9]):                 # the sampling flags reach the sampler: each alone is greedy
        assert cli('generate', '--checkpoint', ck, '--prompt', 'The history of', '--max-new-tokens', 20, '--seed', 3, *args).stdout == greedy
    for args, msg in [(['--top-p', '1.5'], 'top_p must be in (0, 1]'), (['--temperature', '-1'], 'temperature must be >= 0'),
                      (['--checkpoint', 'missing.pt'], 'checkpoint not found')]:
        r = cli('generate', '--checkpoint', ck, '--prompt', 'x', *args, check=False)
        assert r.returncode == 1 and r.stderr.count('\n') == 1 and msg in r.stderr, r.stderr
    long = cli('generate', '--checkpoint', ck, '--prompt', 'the city ' * 100, '--max-new-tokens', 5)
    assert long.stderr.count('too long to add a token within the context') == 1

def test_eval_cache_dynamic_json(tiny_run, tmp_path):
    f = tmp_path/'t.txt'; f.write_text(' = Test = \n The cat sat on the mat . \n' * 30)
    ck = tiny_run/'checkpoints'/'best.pt'
    static = json.loads(cli('eval', '--checkpoint', ck, '--text', f, '--json').stdout)
    off = json.loads(cli('eval', '--checkpoint', ck, '--text', f, '--json', '--cache', '--cache-lambda', 0,
                         '--dynamic', '--dynamic-lr', 0).stdout)
    assert math.isclose(off['total_nll'], static['total_nll'], rel_tol=1e-5) and off['n_tokens'] == static['n_tokens']
    assert off['mode'] == 'strict'                                     # both switched off by their settings: labelled as what ran
    on = json.loads(cli('eval', '--checkpoint', ck, '--text', f, '--json', '--cache', '--dynamic').stdout)
    assert on['mode'] == 'strict + cache + dynamic' and on['cache_len'] > 0 and on['dynamic_lr'] > 0
    assert on['token_ppl'] < static['token_ppl']                       # a repetitive text: adapting helps
    text = cli('eval', '--checkpoint', ck, '--text', f, '--cache').stdout  # the plain output names the settings that ran
    assert '[strict + cache,' in text and f"settings: cache len {on['cache_len']}, cache theta {on['cache_theta']}" in text, text
    assert 'dynamic lr' not in text                                    # only the method that ran
    bad = cli('eval', '--checkpoint', ck, '--text', f, '--cache', '--cache-lambda', 1.5, check=False)
    assert bad.returncode == 1 and 'cache lambda' in bad.stderr and bad.stderr.count('\n') == 1
    for args, msg in [(['--dynamic-lr', 0.5], '--dynamic-lr without --dynamic'), (['--cache', '--dynamic-lr', 0.5], '--dynamic-lr without --dynamic'),
                      (['--stride', 0], 'stride must be in 1..')]:         # never silently dropped, nor read as strict
        r = cli('eval', '--checkpoint', ck, '--text', f, *args, check=False)
        assert r.returncode == 1 and msg in r.stderr and r.stderr.count('\n') == 1, r.stderr

def test_generate_quality_report(tiny_run, tmp_path):
    out = tmp_path/'q.md'
    r = cli('generate', '--checkpoint', tiny_run/'checkpoints'/'best.pt', '--quality-report', out, '--max-new-tokens', 10)
    assert 'wrote' in r.stdout and out.read_text().startswith('# Sample quality') and out.read_text().count('## ') == 8
    r = cli('generate', '--checkpoint', tiny_run/'checkpoints'/'best.pt', '--quality-report', out, '--max-new-tokens', 10,
            '--temperature', 0.5, '--top-k', 3, '--top-p', 0.9, '--suppress', '<unk>')   # the settings reach the report's sampler
    settings = json.loads(re.search(r'Settings: `(.*?)`', out.read_text()).group(1))
    assert {k: settings[k] for k in ('max_new_tokens', 'temperature', 'top_k', 'top_p')} == dict(max_new_tokens=10, temperature=0.5, top_k=3, top_p=0.9)
    assert len(settings['suppress']) == 1
    bad = cli('generate', '--checkpoint', tiny_run/'checkpoints'/'best.pt', check=False)
    assert bad.returncode == 1 and 'give --prompt' in bad.stderr and bad.stderr.count('\n') == 1

def test_attn_auto_measures_once_and_resume_keeps_the_kernel(tmp_path):
    from scratch_lm.step import choose_kernel
    run = tmp_path/'auto'
    out = cli('train', *TINY, '--run-dir', run, '--max-steps', 10, 'model.attn_impl=auto').stdout
    cfg = yaml.safe_load((run/'config.yaml').read_text())
    kernel = cfg['model']['attn_impl']
    assert kernel in ('sdpa', 'manual', 'blocked') and f'attention kernel: {kernel}' in out
    assert set(cfg['attention_ms']) == {'sdpa', 'manual', 'blocked'}         # tiny does not compile: the eager kernels were timed
    assert kernel == choose_kernel(cfg['attention_ms'], compile=False)   # SDPA unless hand-written is >10% faster
    ck = torch.load(run/'checkpoints'/'step_0000010.pt', weights_only=True)
    assert ck['config']['model']['attn_impl'] == kernel              # the checkpoint records the concrete kernel
    out = cli('train', *TINY, '--run-dir', run, '--max-steps', 20, 'model.attn_impl=auto', '--allow-config-change').stdout
    assert 'resuming' in out and 'attention kernel' not in out       # no second measurement ...
    again = yaml.safe_load((run/'config.yaml').read_text())
    assert again['model']['attn_impl'] == kernel and again['attention_ms'] == cfg['attention_ms']   # ... the same kernel, its timings kept

def test_init_from_starts_a_new_run_from_the_weights(tiny_run, tmp_path):
    from scratch_lm.checkpoint import inference_weights
    from scratch_lm.data import sha256_file
    src, run = tiny_run/'checkpoints'/'best.pt', tmp_path/'init'
    args = ['train', *TINY, '--run-dir', run, '--max-steps', 10, '--init-from', src, 'lr=0', 'ema=0.9', 'model.dropout=0.3']
    out = cli(*args).stdout
    assert f'starting from the weights of {src}' in out
    ck, want = torch.load(run/'checkpoints'/'step_0000010.pt', weights_only=True), inference_weights(torch.load(src, weights_only=True))
    assert ck['step'] == 10 and all(torch.equal(ck['model'][k], v.float()) for k, v in want.items())   # lr 0: still those weights
    assert all(torch.equal(ck['ema'][k], v.float()) for k, v in want.items())                    # and the average started there
    cfg = yaml.safe_load((run/'config.yaml').read_text())
    assert cfg['init_from'] == str(src) and cfg['init_sha256'] == sha256_file(src)            # where the run came from
    fresh = cli('train', *TINY, '--run-dir', tmp_path/'fresh', '--max-steps', 10, 'lr=0').stdout
    assert metrics(run)[0]['loss'] < metrics(tmp_path/'fresh')[0]['loss'] - 1     # trained weights: a much lower first loss
    out = cli(*[a if a != 10 else 20 for a in args], '--allow-config-change').stdout   # the same command, longer: it resumes
    assert 'resuming' in out and 'starting from' not in out
    assert yaml.safe_load((run/'config.yaml').read_text())['init_sha256'] == cfg['init_sha256']
    r = cli('train', *TINY, '--run-dir', run, '--init-from', tiny_run/'checkpoints'/'step_0000010.pt', check=False)
    assert r.returncode == 1 and 'holds a run already' in r.stderr                   # other weights into a started run: refused
    r = cli('train', *TINY, '--run-dir', tmp_path/'bad', '--init-from', src, 'model.d_model=128', check=False)
    assert r.returncode == 1 and 'init_from needs the same model shape (d_model 64 -> 128); train with model.d_model=64' in r.stderr.strip().splitlines()[-1]
    other = tmp_path/'other_tok.pt'                                                  # the same weights, another tokenizer
    torch.save({**torch.load(src, weights_only=True), 'tokenizer_sha256': '0' * 64}, other)
    r = cli('train', *TINY, '--run-dir', tmp_path/'bad', '--init-from', other, check=False)
    assert r.returncode == 1 and f'--tokenizer {other}' in r.stderr.strip().splitlines()[-1]
    assert not (tmp_path/'bad').exists()                                              # a refused start writes nothing

def test_a_split_too_short_is_a_clear_error_before_anything_is_written(tmp_path):
    import shutil
    data = tmp_path/'data'
    shutil.copytree(Path(DATA)/'tokens', data/'tokens'); shutil.copytree(Path(DATA)/'tokenizer', data/'tokenizer')
    valid = data/'tokens'/'v1'/'valid.bin'
    valid.write_bytes(valid.read_bytes()[:2 * 40])                  # 40 uint16 tokens: less than one window of 65
    r = cli('train', '--preset', 'tiny', '--data', data, '--wandb', 'off', '--run-dir', tmp_path/'run', check=False)
    assert r.returncode == 1 and 'valid.bin: 40 tokens, fewer than the 65' in r.stderr, r.stderr
    assert 'smaller model.block_size' in r.stderr and len(r.stderr.strip().splitlines()) == 1
    assert not (tmp_path/'run').exists()

def test_stop_at_stops_like_a_signal_and_resumes(tmp_path):
    from scratch_lm.config import load_config
    from scratch_lm.train import TrainingInterrupted, train
    cfg = lambda: load_config('tiny', data=str(DATA), wandb='off', compile=False)
    with pytest.raises(TrainingInterrupted, match='the deadline at step 1: wrote'):
        train(cfg(), tmp_path/'run', quiet=True, stop_at=0.0)        # already past: stops after its first step
    assert [p.name for p in (tmp_path/'run'/'checkpoints').glob('step_*.pt')] == ['step_0000001.pt']
    with pytest.raises(TrainingInterrupted, match='the deadline at step 2: wrote'):   # resumed from it: one step more
        train(cfg(), tmp_path/'run', quiet=True, stop_at=0.0)
