"""Where a traced Batch-page run spent its time (bench/scripts/batch_profile.sh).

Reads a Chrome trace (bench/profile/batch_trace.js) and prints, per thread, the time it was
busy running tasks, then for the busiest JavaScript threads (the page's main thread and the
workers) the functions that took the most time themselves (V8's samples; wasm functions by name
when the module keeps its name section). Usage: trace_summary.py TRACE [TOP]
"""

import collections
import json
import sys


def main() -> None:
    path = sys.argv[1]
    top = int(sys.argv[2]) if len(sys.argv) > 2 else 20
    with open(path) as handle:
        trace = json.load(handle)
    events = trace["traceEvents"] if isinstance(trace, dict) else trace
    names = {}
    busy = collections.Counter()
    profiles = {}
    for event in events:
        thread = (event.get("pid"), event.get("tid"))
        if event.get("ph") == "M" and event.get("name") == "thread_name":
            names[thread] = event["args"]["name"]
        elif event.get("ph") == "X" and "toplevel" in event.get("cat", ""):
            busy[thread] += event.get("dur", 0)
        elif event.get("name") == "Profile":
            profiles[(event["pid"], event["id"])] = {
                "thread": thread, "nodes": {}, "samples": [], "deltas": []}
        elif event.get("name") == "ProfileChunk":
            profile = profiles.get((event["pid"], event["id"]))
            if profile is None:
                continue
            data = event["args"]["data"]
            for node in data.get("cpuProfile", {}).get("nodes", []):
                profile["nodes"][node["id"]] = node
            profile["samples"] += data.get("cpuProfile", {}).get("samples", [])
            profile["deltas"] += data.get("timeDeltas", [])

    print("busy time per thread (tasks, ms):")
    for thread, micros in busy.most_common(12):
        print(f"  {micros / 1000:8.1f}  {names.get(thread, '?')} {thread}")

    by_thread = {}
    for profile in profiles.values():
        self_time = by_thread.setdefault(profile["thread"], collections.Counter())
        for sample, delta in zip(profile["samples"], profile["deltas"]):
            node = profile["nodes"].get(sample)
            name = node["callFrame"]["functionName"] if node else "?"
            if node and not name:
                frame = node["callFrame"]
                place = frame.get("url", "").rsplit("/", 1)[-1]
                name = f"(anonymous {place}:{frame.get('lineNumber', -1) + 1})"
            self_time[name] += delta
    busiest = sorted(by_thread, key=lambda thread: -busy.get(thread, 0))
    for thread in busiest:
        self_time = by_thread[thread]
        total = sum(self_time.values())
        if busy.get(thread, 0) < 200_000 or total == 0:
            continue
        print(f"\n{names.get(thread, '?')} {thread}: {total / 1000:.0f} ms sampled")
        for name, micros in self_time.most_common(top):
            print(f"  {micros / 1000:8.1f} ms {100 * micros / total:5.1f}%  {name[:110]}")


if __name__ == "__main__":
    main()
