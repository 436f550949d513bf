"""The docs site, in a real browser.

Builds the site (`bash scripts/docs.sh`; with SCRATCH_LM_DOCS_BUILT=1 an existing `_docs/` newer than every notebook is
reused), serves `_docs/` on 127.0.0.1, opens every page in headless Chromium and checks what a reader would see:
one page per notebook, in notebook order in the sidebar; every image loaded; every link within the site (or to where
it is published) answered and its anchor present; code cells showing their outputs; API entries rendered; nothing fetched from another host.
A screenshot of every page goes to `_docs_screens/`.
Needs Debian's Chromium: `apt-get install chromium chromium-driver` (SCRATCH_LM_SKIP_BROWSER=1 skips, outside CI).
"""
import configparser, functools, json, os, re, subprocess, sys, tempfile, threading, urllib.error, urllib.request
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urldefrag, urlsplit
import pytest

ROOT = Path(__file__).resolve().parent.parent
NBS, SITE, SCREENS = ROOT/'nbs', ROOT/'_docs', ROOT/'_docs_screens'
# Debian's paths; another Chromium/Chrome and its driver can be named with SCRATCH_LM_CHROMIUM / SCRATCH_LM_CHROMEDRIVER
CHROMIUM = Path(os.environ.get('SCRATCH_LM_CHROMIUM', '/usr/bin/chromium'))
DRIVER = Path(os.environ.get('SCRATCH_LM_CHROMEDRIVER', '/usr/bin/chromedriver'))
FLAGS = ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
         '--disable-background-networking', '--disable-component-update', '--disable-sync', '--window-size=1280,900']
MAX_SHOT_H = 6000   # px: screenshots are the top of a page, up to this height

def _nb(p): return json.loads(p.read_text(encoding='utf-8'))

def notebooks():
    "(notebook, page file, title, has code cells, has exports) for index.ipynb then the numbered notebooks, in order"
    res = []
    for p in [NBS/'index.ipynb', *sorted(NBS.glob('[0-9]*.ipynb'))]:
        cells = _nb(p)['cells']
        md = next((''.join(c['source']) for c in cells if c['cell_type'] == 'markdown'), '')
        title = re.search(r'^#\s+(.+?)\s*$', md, re.M)
        code = [''.join(c['source']) for c in cells if c['cell_type'] == 'code']
        shown = [s for s in code if not re.search(r'^#\|\s*(hide|include:\s*false)\b', s, re.M)]
        page = re.sub(r'^\d+[a-zA-Z0-9]*_', '', p.stem.lower()) + '.html'   # nbdev's output-file for the notebook
        res.append(dict(nb=p.name, page=page, title=title.group(1) if title else p.stem, code=bool(shown),
                        exports=any(re.search(r'^#\|\s*export', s, re.M) for s in code)))
    return res

def _built_fresh():
    idx = SITE/'index.html'
    return idx.is_file() and all(p.stat().st_mtime <= idx.stat().st_mtime for p in NBS.glob('*.ipynb'))

def _build():
    if os.environ.get('SCRATCH_LM_DOCS_BUILT') == '1' and _built_fresh(): return
    env = {**os.environ, 'PYTHON': sys.executable, 'PATH': f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    r = subprocess.run(['bash', 'scripts/docs.sh'], cwd=ROOT, env=env, capture_output=True, text=True, timeout=900)
    if r.returncode != 0: pytest.fail(f'bash scripts/docs.sh failed (exit {r.returncode}):\n{(r.stdout + r.stderr)[-4000:]}', pytrace=False)

def _browser():
    missing = [str(p) for p in (CHROMIUM, DRIVER) if not p.exists()]
    if missing:
        if not os.environ.get('CI') and os.environ.get('SCRATCH_LM_SKIP_BROWSER') == '1':
            pytest.skip('SCRATCH_LM_SKIP_BROWSER=1 and no Chromium')
        pytest.fail(f"{' and '.join(missing)} missing: apt-get install chromium chromium-driver", pytrace=False)
    try: from selenium import webdriver
    except ImportError: pytest.fail('selenium missing: pip install -e ".[dev]"', pytrace=False)
    opts = webdriver.ChromeOptions()
    opts.binary_location = str(CHROMIUM)
    for f in FLAGS: opts.add_argument(f)
    profile = tempfile.TemporaryDirectory(prefix='scratch_lm_chromium_')
    opts.add_argument(f'--user-data-dir={profile.name}')
    driver = webdriver.Chrome(options=opts, service=webdriver.ChromeService(executable_path=str(DRIVER)))
    driver.set_page_load_timeout(60)
    return driver, profile

class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, *a): pass

class _Server(ThreadingHTTPServer):
    def handle_error(self, request, client_address): pass   # the browser dropping a connection is not a test failure

# What a page shows, read from the DOM MyST-NB and Furo write: a cell is `div.cell`, its source `.cell_input`, its
# outputs `.cell_output`; show_doc's API entries are outputs of input-less cells, a heading (`.rubric`) and a signature.
_READ = r"""
const cells = [...document.querySelectorAll('article div.cell')];
const code = cells.filter(c => c.querySelector(':scope > .cell_input'));
const shown = c => [...c.querySelectorAll(':scope > .cell_output')].some(o => o.innerText.trim() || o.querySelector('img, svg, table'));
return {
  title: document.title,
  images: [...document.images].map(i => ({src: i.currentSrc || i.src, ok: i.complete && i.naturalWidth > 0})),
  links: [...document.querySelectorAll('a[href]')].map(a => a.href),
  ids: [...document.querySelectorAll('[id]')].map(e => e.id).concat([...document.querySelectorAll('a[name]')].map(a => a.name)),
  code_cells: code.length,
  code_with_outputs: code.filter(shown).length,
  highlighted: document.querySelectorAll('.cell_input .highlight pre span').length,
  api: [...document.querySelectorAll('div.cell:not(:has(> .cell_input)) > .cell_output')]
         .filter(o => o.querySelector('.rubric') && o.querySelector('.highlight')).length,
  sidebar: [...document.querySelectorAll('.sidebar-tree a.reference')].map(a => ({text: a.innerText.trim(), href: a.href})),
  resources: performance.getEntriesByType('resource').map(r => ({url: r.name, status: r.responseStatus || 0})),
  text: document.querySelector('article') ? document.querySelector('article').innerText : '',
};"""

def _wait_images(driver):
    driver.execute_async_script("""
      const done = arguments[arguments.length - 1];
      const imgs = [...document.images].filter(i => !i.complete);
      imgs.forEach(i => { i.loading = 'eager'; i.scrollIntoView(); });
      Promise.all(imgs.map(i => new Promise(r => { i.onload = i.onerror = r; }))).then(() => { window.scrollTo(0, 0); done(); });
      setTimeout(done, 10000);""")

def _screenshot(driver, path):
    import base64
    h = min(driver.execute_script('return document.documentElement.scrollHeight'), MAX_SHOT_H)
    shot = driver.execute_cdp_cmd('Page.captureScreenshot', {'format': 'png', 'captureBeyondViewport': True,
                                                              'clip': {'x': 0, 'y': 0, 'width': 1280, 'height': h, 'scale': 1}})
    path.write_bytes(base64.b64decode(shot['data']))

@pytest.fixture(scope='module')
def site():
    "Build, serve and visit every page once; the tests below check what was seen"
    driver, profile = _browser()
    try:
        _build()
        srv = _Server(('127.0.0.1', 0), functools.partial(_Quiet, directory=str(SITE)))
        threading.Thread(target=srv.serve_forever, daemon=True).start()
        base = f'http://127.0.0.1:{srv.server_address[1]}/'
        SCREENS.mkdir(exist_ok=True)
        for f in SCREENS.glob('*.png'): f.unlink()
        seen = {}
        for nb in notebooks():
            if not (SITE/nb['page']).is_file(): continue
            driver.get(base + nb['page'])
            _wait_images(driver)
            seen[nb['page']] = driver.execute_script(_READ)
            _screenshot(driver, SCREENS/(Path(nb['page']).stem + '.png'))
        yield dict(base=base, seen=seen, nbs=notebooks())
        srv.shutdown()
    finally:
        driver.quit(); profile.cleanup()

def _fmt(bad): return '\n'.join(f'  {k}: {v}' for k, v in bad.items())

def test_one_page_per_notebook_in_order(site):
    missing = [f"{nb['nb']} -> {nb['page']}" for nb in site['nbs'] if nb['page'] not in site['seen']]
    assert not missing, f'notebooks without a page: {missing}'
    want = [nb['title'] for nb in site['nbs'][1:]]
    got = [a['text'] for a in site['seen']['index.html']['sidebar']]
    assert got == want, f'sidebar is not the notebooks in order:\n  got  {got}\n  want {want}'
    assert all(site['seen'][nb['page']]['title'].startswith(nb['title']) for nb in site['nbs'][1:])

def test_images_load(site):
    bad = {p: [i['src'] for i in s['images'] if not i['ok']] for p, s in site['seen'].items()}
    bad = {p: v for p, v in bad.items() if v}
    assert not bad, f'images that did not load:\n{_fmt(bad)}'

def _published_url():
    "Where the site is published (settings.ini's doc_host + doc_baseurl): nbdev's doc links are absolute, to there"
    ini = configparser.ConfigParser(); ini.read(ROOT/'settings.ini')
    return ini['DEFAULT']['doc_host'].rstrip('/') + '/' + ini['DEFAULT']['doc_baseurl'].strip('/') + '/'

def test_internal_links(site):
    host, status, bad, pub = urlsplit(site['base']).netloc, {}, {}, _published_url()
    ids = {urlsplit(site['base'] + p).path: set(s['ids']) for p, s in site['seen'].items()}
    for page, s in site['seen'].items():
        for href in sorted(set(s['links'])):
            url, frag = urldefrag(site['base'] + href[len(pub):] if href.startswith(pub) else href)
            if urlsplit(url).netloc != host: continue
            path = urlsplit(url).path
            if url not in status:
                try:
                    with urllib.request.urlopen(url, timeout=10) as r:
                        body = r.read(4096).decode('utf-8', 'replace')
                        status[url] = 'a directory listing, not a page' if 'Directory listing for' in body else r.status
                except urllib.error.HTTPError as e: status[url] = e.code
            why = None
            if status[url] != 200: why = status[url]
            elif re.search(r'\.(ipynb|md|py)$', path): why = 'a source file, not a page'
            elif frag and path in ids and frag not in ids[path]: why = f'no #{frag} there'
            elif frag and path.endswith('.html') and path not in ids:
                with urllib.request.urlopen(url, timeout=10) as r:
                    if f'id="{frag}"' not in r.read().decode('utf-8', 'replace'): why = f'no #{frag} there'
            if why: bad.setdefault(page, []).append(f'{href} ({why})')
    assert not bad, f'broken links within the site:\n{_fmt(bad)}'

def test_code_cells_show_outputs(site):
    bad = {}
    for nb in site['nbs']:
        s = site['seen'].get(nb['page'])
        if not s or not nb['code']: continue
        if s['code_cells'] == 0: bad[nb['page']] = 'code cells in the notebook, none on the page'
        elif s['code_with_outputs'] == 0: bad[nb['page']] = f"{s['code_cells']} code cells, no outputs (notebook not executed?)"
        elif s['highlighted'] == 0: bad[nb['page']] = 'code is not syntax-highlighted'
    assert not bad, f'pages whose code shows no outputs:\n{_fmt(bad)}'

def test_api_entries_render(site):
    bad = {nb['page']: 'exports, but no API entry rendered' for nb in site['nbs']
           if nb['exports'] and nb['page'] in site['seen'] and site['seen'][nb['page']]['api'] == 0}
    leaks = {p: sorted(set(re.findall(r'#\|\s*[\w-]+:?|\{target="|show_doc\(', s['text']))) for p, s in site['seen'].items()}
    bad.update({p: f'unrendered notebook syntax: {v}' for p, v in leaks.items() if v})
    assert not bad, f'API entries:\n{_fmt(bad)}'

def test_nothing_from_other_hosts(site):
    host = urlsplit(site['base']).netloc
    bad = {p: sorted({f"{r['url']} ({r['status']})" for r in s['resources']
                      if urlsplit(r['url']).netloc != host or r['status'] >= 400
                      and urlsplit(r['url']).path != '/favicon.ico'}) for p, s in site['seen'].items()}   # Chromium asks for it
    bad = {p: v for p, v in bad.items() if v}
    assert not bad, f'resources fetched from another host, or failed:\n{_fmt(bad)}'
