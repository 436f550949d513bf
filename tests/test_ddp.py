"Data parallelism on CPU (Gloo): N processes compute the run one process computes, and runs resume across N."
import json, os, shutil, signal, subprocess, sys, time
import pytest, torch
from conftest import cli, ROOT, DATA

# fp32: under bf16 (what `auto` picks on a CPU with AMX) one process and two sum the gradients in another order and
# round differently; the claim tested here is the arithmetic of data parallelism, not a precision
ARGS = ['train', '--preset', 'tiny', '--data', str(DATA), '--wandb', 'off', '--max-steps', '30', 'model.dropout=0', 'dtype=fp32',
        'batch_size=8', 'eval_every=10', 'ckpt_every=10']
ENV = {**os.environ, 'WANDB_MODE': 'disabled', 'PYTHONWARNINGS': 'ignore', 'OMP_NUM_THREADS': '1'}

def torchrun(n, *args, **kw):
    cmd = [sys.executable, '-m', 'torch.distributed.run', '--standalone', f'--nproc_per_node={n}', '-m', 'scratch_lm.cli', *map(str, args)]
    return subprocess.Popen(cmd, cwd=ROOT, env=ENV, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kw)

def losses(run): return [(r['step'], r['loss']) for r in map(json.loads, (run/'metrics.jsonl').read_text().splitlines()) if 'loss' in r]
def close(a, b, tol=1e-5): return [s for s, _ in a] == [s for s, _ in b] and all(abs(x - y) <= tol for (_, x), (_, y) in zip(a, b))

@pytest.fixture(scope='module')
def one(tmp_path_factory):
    run = tmp_path_factory.mktemp('ddp')/'one'
    cli(*ARGS, '--run-dir', run)
    return run

def test_two_processes_compute_the_one_process_run(one, tmp_path):
    p = torchrun(2, *ARGS, '--run-dir', tmp_path/'two'); out, err = p.communicate(timeout=600)
    assert p.returncode == 0, err[-3000:]
    assert len(losses(one)) == 3 and close(losses(one), losses(tmp_path/'two')), (losses(one), losses(tmp_path/'two'))
    import yaml
    assert yaml.safe_load((tmp_path/'two'/'config.yaml').read_text())['processes'] == 2
    ck = sorted(p.name for p in (tmp_path/'two'/'checkpoints').iterdir())
    assert ck == ['best.pt', 'step_0000010.pt', 'step_0000020.pt', 'step_0000030.pt']   # written once, by process 0

def _tree(pid):
    "`pid` and all its descendants (torchrun's workers may sit in their own sessions, out of reach of killpg)."
    kids = {}
    for st in os.listdir('/proc'):
        if st.isdigit():
            try: kids.setdefault(int(open(f'/proc/{st}/stat').read().rsplit(')', 1)[1].split()[1]), []).append(int(st))
            except (OSError, IndexError): pass
    out, todo = [], [pid]
    while todo: q = todo.pop(); out.append(q); todo += kids.get(q, [])
    return out

def _kill_after(p, run, name):
    "SIGKILL the run and every process it started as soon as its checkpoint `name` exists (it is renamed into place whole)."
    deadline = time.time() + 300
    while not (run/'checkpoints'/name).exists():
        assert p.poll() is None and time.time() < deadline, 'run ended before the checkpoint'
        time.sleep(0.02)
    pids = _tree(p.pid)
    for q in pids:
        try: os.kill(q, signal.SIGKILL)
        except ProcessLookupError: pass
    p.wait()
    def alive(q):
        try: return open(f'/proc/{q}/stat').read().rsplit(')', 1)[1].split()[0] != 'Z'
        except OSError: return False
    while any(alive(q) for q in pids[1:]): time.sleep(0.05)           # every worker is gone before the resume starts

def test_two_processes_killed_resume_in_one(one, tmp_path):
    run = tmp_path/'2to1'
    p = torchrun(2, *ARGS, '--run-dir', run)
    _kill_after(p, run, 'step_0000010.pt')
    assert not (run/'checkpoints'/'step_0000030.pt').exists()
    cli(*ARGS, '--run-dir', run)
    assert close(losses(one), losses(run))

def test_one_process_killed_resumes_in_two(one, tmp_path):
    run = tmp_path/'1to2'
    p = subprocess.Popen([sys.executable, '-m', 'scratch_lm.cli', *ARGS, '--run-dir', str(run)], cwd=ROOT, env=ENV,
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _kill_after(p, run, 'step_0000010.pt')
    p = torchrun(2, *ARGS, '--run-dir', run); out, err = p.communicate(timeout=600)
    assert p.returncode == 0, err[-3000:]
    assert close(losses(one), losses(run))

def test_two_processes_share_one_measured_kernel(tmp_path):
    "`attn_impl: auto`: process 0 times the kernels and shares its choice (a broadcast one process skipped would hang)."
    import yaml
    from scratch_lm.step import choose_kernel
    run = tmp_path/'auto'
    p = torchrun(2, *ARGS, '--run-dir', run, '--max-steps', 10, 'model.attn_impl=auto'); out, err = p.communicate(timeout=600)
    assert p.returncode == 0, err[-3000:]
    cfg = yaml.safe_load((run/'config.yaml').read_text())
    assert cfg['processes'] == 2 and cfg['model']['attn_impl'] == choose_kernel(cfg['attention_ms'], compile=False)

def test_batch_must_split(tmp_path):
    p = torchrun(2, *[a if a != 'batch_size=8' else 'batch_size=5' for a in ARGS], '--run-dir', tmp_path/'odd')
    out, err = p.communicate(timeout=300)
    assert p.returncode != 0 and 'batch_size 5 does not split among 2 processes; use a multiple of 2' in err
