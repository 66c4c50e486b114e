#!/usr/bin/env python3
"""Markdown table of a JMH JSON result (-rf json): benchmark, parameters, ns/op (± error), B/op (with -prof gc).

    python3 bench/jmh-table.py result.json
"""
import json, sys

rows = json.load(open(sys.argv[1]))
print('| benchmark | params | ns/op | ± | B/op |')
print('|---|---|---:|---:|---:|')
for r in rows:
    name = r['benchmark'].rsplit('.', 2)
    name = f'{name[-2]}.{name[-1]}'
    params = ', '.join(f'{v}' for v in (r.get('params') or {}).values()) or '-'
    m = r['primaryMetric']
    unit = m['scoreUnit']
    score, err = m['score'], m['scoreError']
    if unit == 'us/op':
        score, err = score * 1e3, err * 1e3
    alloc = (r.get('secondaryMetrics') or {}).get('gc.alloc.rate.norm')
    b = f"{alloc['score']:.0f}" if alloc else '-'
    e = f'{err:,.0f}' if err == err else '-'
    print(f'| {name} | {params} | {score:,.0f} | {e} | {b} |')
