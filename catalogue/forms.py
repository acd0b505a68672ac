"""Reader-facing forms."""

from django import forms

from .models import Comment


class CommentForm(forms.ModelForm):
    # Hidden from people by CSS and aria-hidden; bots that fill every field reveal themselves.
    website = forms.CharField(required=False, label="Leave this field empty")

    class Meta:
        model = Comment
        fields = ["name", "email", "job_title", "organisation", "body"]
        labels = {"body": "Comment", "email": "Email (never shown)"}
        widgets = {"body": forms.Textarea(attrs={"rows": 6})}

    def is_spam(self) -> bool:
        return bool(self.cleaned_data.get("website"))
