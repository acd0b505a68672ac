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
