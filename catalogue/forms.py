"""Reader-facing forms."""

from django import forms

from .models import Comment


def split_lines(text) -> list[str]:
    """A list of strings from text with one per line; blank lines dropped."""
    return [line.strip() for line in str(text or "").splitlines() if line.strip()]


class LinesField(forms.CharField):
    """A list of strings (key findings, authors) edited as lines of text."""

    widget = forms.Textarea(attrs={"rows": 5, "cols": 80})

    def prepare_value(self, value):
        return "\n".join(value) if isinstance(value, list) else value

    def to_python(self, value):
        return split_lines(value)


class CommentForm(forms.ModelForm):
    # Hidden from people by CSS and aria-hidden; bots that fill every field reveal themselves.
    website = forms.CharField(required=False, label="Leave this field empty")

    class Meta:
        model = Comment
        fields = ["name", "email", "job_title", "organisation", "body"]
        labels = {"body": "Comment", "email": "Email (never shown)"}
        widgets = {"body": forms.Textarea(attrs={"rows": 6})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["email"].required = True  # only comments imported from old pages go without

    def focus_first_error(self) -> None:
        """The reader lands on the first field to correct (and each errored field says it is invalid)."""
        for position, name in enumerate(name for name in self.fields if name in self.errors):
            attrs = self.fields[name].widget.attrs
            attrs.update({"aria-invalid": "true", "aria-describedby": f"id_{name}-error"})
            if position == 0:
                attrs["autofocus"] = True

    def is_spam(self) -> bool:
        return bool(self.cleaned_data.get("website"))
