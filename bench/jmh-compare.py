#!/usr/bin/env python3
"""Markdown table comparing JMH JSON results (-rf json) benchmark by benchmark: ns/op (± error), speed-up, B/op.
With several comma-separated files per side (interleaved rounds), each side shows its best (lowest) ns/op.

    python3 bench/jmh-compare.py before.json after.json
    python3 bench/jmh-compare.py before-2.json,before-3.json after-2.json,after-3.json
"""
import json, sys


def load(files):
    out = {}
    for f in files.split(','):
        for r in json.load(open(f)):
            name = r['benchmark'].rsplit('.', 2)
            name = f'{name[-2]}.{name[-1]}'
            params = ', '.join(str(v) for v in (r.get('params') or {}).values()) or '-'
            m = r['primaryMetric']
            a = (r.get('secondaryMetrics') or {}).get('gc.alloc.rate.norm')
            row = (m['score'], m['scoreError'], a['score'] if a else float('nan'))
            if (name, params) not in out or row[0] < out[(name, params)][0]:
                out[(name, params)] = row
    return out


b, a = load(sys.argv[1]), load(sys.argv[2])
print('| benchmark | params | before ns/op (±) | after ns/op (±) | speed-up | before B/op | after B/op |')
print('|---|---|---:|---:|---:|---:|---:|')
for k in b:
    if k not in a:
        continue
    (bs, be, bb), (as_, ae, ab) = b[k], a[k]
    print(f'| {k[0]} | {k[1]} | {bs:,.0f} (±{be:,.0f}) | {as_:,.0f} (±{ae:,.0f}) | {bs / as_:.1f}× | {bb:,.0f} | {ab:,.0f} |')
