"""Sphinx extension of the book: its pages run without errors in the browser's console. Two
defects of the themes it is built with show on every page otherwise:

* sphinx-thebe adds its configuration script (``const THEBE_JS_URL = ...``) once more each
  time the sources are read, so a page declares the constant twice (a SyntaxError);
* pydata-sphinx-theme leaves the colour mode empty unless ``html_context`` names one ("Got
  invalid theme mode").
"""


def _fix_page(app, pagename, templatename, context, doctree):
    seen, scripts = set(), []
    for script in context.get("script_files", []):
        # The copies differ only in how they say "no file": None or "".
        key = (str(getattr(script, "filename", script) or ""),
               repr(sorted(getattr(script, "attributes", {}).items())))
        if key not in seen:
            seen.add(key)
            scripts.append(script)
    context["script_files"] = scripts
    if not context.get("default_mode"):
        context["default_mode"] = "auto"


def setup(app):
    app.connect("html-page-context", _fix_page, priority=900)  # after the others add theirs
    return {"parallel_read_safe": True, "parallel_write_safe": True}
