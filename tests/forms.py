"""What a browser sends when a person submits a form as the page shows it, for the test client."""

from bs4 import BeautifulSoup


def as_submitted(html: str, form: str) -> dict[str, list[str]]:
    """The form's fields as a browser submits them untouched: text inputs and textareas as
    filled in, checked boxes, and each select's selected option (else its first). `form` is the
    form's id, or a CSS selector."""
    page = BeautifulSoup(html, "html.parser")
    form = page.find("form", id=form) or page.select_one(form)
    data: dict[str, list[str]] = {}
    for field in form.find_all(["input", "select", "textarea"]):
        name = field.get("name")
        if not name or field.has_attr("disabled"):
            continue
        if field.name == "textarea":
            values = [field.text]
        elif field.name == "select":
            options = field.find_all("option")
            chosen = [o for o in options if o.has_attr("selected")] or options[:1]
            values = [o.get("value", o.text) for o in chosen]
        elif field.get("type") in ("checkbox", "radio"):
            values = [field.get("value", "on")] if field.has_attr("checked") else []
        elif field.get("type") in ("submit", "button", "file", "image", "reset"):
            continue
        else:
            values = [field.get("value", "")]
        data.setdefault(name, []).extend(values)
    return data
