"""Reader-facing forms: adding to the basket and checking out."""

from django import forms
from django.core.exceptions import ValidationError
from django_countries.fields import CountryField

from catalogue import isbn as isbn_rules

from . import rules
from .models import DeliveryMethod, Order


class AddToBasketForm(forms.Form):
    isbn = forms.CharField(max_length=20)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["quantity"] = forms.IntegerField(min_value=1, max_value=rules.max_copies(), initial=1)

    def clean_isbn(self):
        return isbn_rules.normalise(self.cleaned_data["isbn"])


class CheckoutForm(forms.Form):
    email = forms.EmailField(help_text="For your confirmation and dispatch emails.", max_length=Order._meta.get_field("email").max_length)
    name = forms.CharField(label="Full name", max_length=150)
    line1 = forms.CharField(label="Address line 1", max_length=200)
    line2 = forms.CharField(label="Address line 2 (optional)", max_length=200, required=False)
    city = forms.CharField(label="Town or city", max_length=100)
    postcode = forms.CharField(max_length=20, required=False)
    country = CountryField().formfield(initial="GB")
    delivery_method = forms.ModelChoiceField(
        queryset=DeliveryMethod.objects.filter(active=True).select_related("zone"), to_field_name="code", empty_label=None
    )

    AUTOCOMPLETE = {
        "email": "email", "name": "name", "line1": "address-line1", "line2": "address-line2",
        "city": "address-level2", "postcode": "postal-code", "country": "country",
    }  # fmt: skip

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, token in self.AUTOCOMPLETE.items():
            self.fields[name].widget.attrs["autocomplete"] = token

    def clean(self):
        """The order's rules on the address, from orders/rules.py, so that every field's problem
        shows at once; order_place checks them again (and the rest) when the order is placed."""
        cleaned = super().clean()
        country, method = cleaned.get("country"), cleaned.get("delivery_method")
        if country:
            try:
                cleaned["postcode"] = rules.postcode_normalised(cleaned.get("postcode", ""), country)
            except ValidationError as error:
                self.add_error("postcode", error)
        if country and method and (error := rules.method_error(method, country)):
            self.add_error("delivery_method", error)
        return cleaned

    def address(self) -> dict:
        return {field: self.cleaned_data[field] for field in ("name", "line1", "line2", "city", "postcode", "country")}


class FindOrdersForm(forms.Form):
    email = forms.EmailField(
        label="Email address", max_length=Order._meta.get_field("email").max_length,
        help_text="The one you gave at checkout.", widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )  # fmt: skip
