#!/usr/bin/env python3
"""Reference renderer for Weir's template differential test.

Usage: jinja_oracle.py CORPUS.json

Renders every case of the corpus with Jinja2 (StrictUndefined, trailing
newline kept, the do and loopcontrols extensions, as Weir has them) and the
corpus context, and prints one JSON object:
{case name: {"ok": true, "output": "..."} | {"ok": false, "error": "..."}}.
The functions secret() and var() mirror those the C++ test registers, and
the corpus's "templates" are what import and include find (a DictLoader).
"""
import json
import sys

import jinja2

_MISSING = object()


def make_context(corpus):
    context = dict(corpus["context"])
    project_vars = context.get("vars", {})

    def secret(name):
        return "s3cr3t-" + name

    def var(name, default=_MISSING):
        if name in project_vars:
            return project_vars[name]
        if default is _MISSING:
            raise KeyError("unknown var " + name)
        return default

    context["secret"] = secret
    context["var"] = var
    return context


def main():
    with open(sys.argv[1], encoding="utf-8") as f:
        corpus = json.load(f)
    env = jinja2.Environment(
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        extensions=["jinja2.ext.do", "jinja2.ext.loopcontrols"],
        loader=jinja2.DictLoader(corpus.get("templates", {})),
    )
    context = make_context(corpus)
    results = {}
    for case in corpus["cases"]:
        try:
            output = env.from_string(case["template"]).render(**context)
            results[case["name"]] = {"ok": True, "output": output}
        except Exception as e:  # every failure is a result to compare, not a crash
            results[case["name"]] = {"ok": False, "error": type(e).__name__ + ": " + str(e)}
    json.dump(results, sys.stdout, ensure_ascii=False)


if __name__ == "__main__":
    main()
