"""Read serializers work their fields out once per class (shop.api.FieldsOnce) and copy them for each instance."""

from rest_framework import serializers

from shop.api import FieldsOnce


class Tagged(FieldsOnce, serializers.Serializer):
    class Tag(serializers.CharField):
        def to_representation(self, value):
            return f"{self.context['prefix']}{value}"

    tags = serializers.ListField(child=Tag())
    name = serializers.CharField()


def test_each_serializer_binds_copies_of_the_fields_and_a_lists_child_reaches_its_own_context():
    first = Tagged({"tags": ["a"], "name": "x"}, context={"prefix": "1:"})
    second = Tagged({"tags": ["b"], "name": "y"}, context={"prefix": "2:"})

    assert first.data == {"tags": ["1:a"], "name": "x"} and second.data == {"tags": ["2:b"], "name": "y"}
    assert first.fields["tags"] is not second.fields["tags"] and first.fields["tags"].child is not second.fields["tags"].child
    assert first.fields["tags"].parent is first and second.fields["name"].parent is second


class Line(FieldsOnce, serializers.Serializer):
    isbn = serializers.CharField(max_length=13)
    quantity = serializers.IntegerField(min_value=1)


class Address(FieldsOnce, serializers.Serializer):
    city = serializers.CharField()
    country = serializers.ChoiceField(choices=["GB", "FR"])


class Placed(FieldsOnce, serializers.Serializer):
    delivery = Address()
    items = Line(many=True, allow_empty=False)


def test_serializers_validating_with_copied_fields_keep_their_values_and_errors_to_themselves():
    good = Placed(data={"delivery": {"city": "Leeds", "country": "GB"}, "items": [{"isbn": "9781909029088", "quantity": 2}]})
    bad = Placed(data={"delivery": {"city": "", "country": "XX"}, "items": [{"isbn": "9781909029088" * 2, "quantity": 0}]})

    assert not bad.is_valid() and good.is_valid()
    assert good.validated_data == {"delivery": {"city": "Leeds", "country": "GB"}, "items": [{"isbn": "9781909029088", "quantity": 2}]}
    assert set(bad.errors) == {"delivery", "items"}
    assert set(bad.errors["delivery"]) == {"city", "country"} and set(bad.errors["items"][0]) == {"isbn", "quantity"}
    assert good.fields["delivery"] is not bad.fields["delivery"]
    assert good.fields["delivery"].fields["city"] is not bad.fields["delivery"].fields["city"]
    assert good.fields["items"].child is not bad.fields["items"].child and good.fields["items"].child.parent is good.fields["items"]
    assert Placed().fields["delivery"].fields["city"].parent is not good.fields["delivery"]
