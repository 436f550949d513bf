#!/usr/bin/env python
"""How the tokenizer spends WikiText's `<unk>`: a lone space token (`Ġ`), then `<unk>`, two tokens for one word.

    python scripts/unk_tokens.py --out releases/unk_tokens.json

For each split it counts the tokens and the `Ġ <unk>` pairs in the prepared data, and for each static strict
evaluation in the release JSON it writes the token-level perplexity again with each pair counted as one token:
exp(total NLL / (tokens - pairs)). That is exact for the same model: the pair's probability is the product of its two
tokens', so merging them changes the count of tokens, not the total NLL. Word-level perplexity and bits per byte do
not depend on the count of tokens and stay as they are."""
import argparse, json, math, sys
from pathlib import Path
import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from scratch_lm.data import atomic_write, sha256_file
from scratch_lm.tokenizer import load_tokenizer, load_tokens, tokenizer_path

def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--data', default='data')
    ap.add_argument('--release', default='releases/wikitext2_17M_gpu.json')
    ap.add_argument('--out', default='releases/unk_tokens.json')
    a = ap.parse_args()
    rel = json.loads(Path(a.release).read_text())
    variant = rel['config'].get('variant', 'v1')
    if variant not in ('v1', 'raw'): sys.exit(f"error: {a.release}: trained on {variant!r}, not WikiText; nothing to count")
    tp = tokenizer_path(a.data, variant)
    if sha256_file(tp) != rel['tokenizer_sha256']:
        sys.exit(f"error: {tp}: not the release's tokenizer; prepare {a.data} with it (scratch_lm tokenizer --tokenizer {rel['release']})")
    tok = load_tokenizer(tp)
    space, unk = tok.token_to_id('Ġ'), tok.token_to_id('<unk>')
    assert tok.encode(' <unk>').ids == [space, unk], tok.encode(' <unk>').tokens
    out = dict(about=__doc__.split('\n\n')[0].strip(), command='python scripts/unk_tokens.py --out ' + a.out,
               encoding_of_space_unk=tok.encode(' <unk>').tokens, release=rel['release'], splits={})
    for split in ('train', 'valid', 'test'):
        t = np.asarray(load_tokens(a.data, variant, split))
        pairs = int(((t[:-1] == space) & (t[1:] == unk)).sum())
        row = dict(tokens=len(t), unk=int((t == unk).sum()), space_before_unk=pairs, share_of_tokens=round(pairs / len(t), 4))
        ev = rel['evaluations'].get(f'{split}_strict')
        if ev:                                       # strict scoring scores every token but the first: every pair whole
            assert ev['mode'] == 'strict' and ev['n_tokens'] == len(t) - 1 and t[0] != space, (split, ev['mode'], ev['n_tokens'])
            n = ev['n_tokens'] - pairs
            row.update(token_ppl=ev['token_ppl'], token_ppl_unk_as_one_token=math.exp(ev['total_nll'] / n),
                       word_ppl=ev['word_ppl'], bits_per_byte=ev['bits_per_byte'])
        out['splits'][split] = row
        print(split, json.dumps(row), flush=True)
    with atomic_write(a.out, 'w') as f: json.dump(out, f, indent=1)
    print(f"wrote {a.out}")

if __name__ == '__main__': main()
