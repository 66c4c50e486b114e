#!/usr/bin/env python3
"""Top hot spots of a JFR recording: self time by method and inclusive time by method, from jdk.ExecutionSample.

    python3 bench/jfr-top.py recording.jfr [--thread dht-loop] [--top 25]

Uses the JDK's `jfr print --json`; only samples from threads whose name starts with --thread are counted.
"""
import argparse, collections, json, subprocess, sys

ap = argparse.ArgumentParser()
ap.add_argument('jfr')
ap.add_argument('--thread', default='dht-loop')
ap.add_argument('--top', type=int, default=25)
opt = ap.parse_args()

out = subprocess.run(['jfr', 'print', '--json', '--events', 'jdk.ExecutionSample', opt.jfr],
                     check=True, capture_output=True, text=True).stdout
events = json.loads(out)['recording']['events']
self_count = collections.Counter()
incl_count = collections.Counter()
n = 0
for e in events:
    v = e['values']
    t = v.get('sampledThread') or {}
    name = t.get('javaName') or t.get('osName') or ''
    if not name.startswith(opt.thread):
        continue
    frames = (v.get('stackTrace') or {}).get('frames') or []
    if not frames:
        continue
    n += 1
    def fmt(f):
        m = f['method']
        return f"{m['type']['name']}.{m['name']}"
    self_count[fmt(frames[0])] += 1
    for m in set(fmt(f) for f in frames):
        incl_count[m] += 1
print(f'{n} samples on threads {opt.thread}*')
print('\nself time (top frame):')
for m, c in self_count.most_common(opt.top):
    print(f'{100 * c / n:6.1f} %  {m}')
print('\ninclusive time (method anywhere on the stack):')
for m, c in incl_count.most_common(opt.top):
    print(f'{100 * c / n:6.1f} %  {m}')
