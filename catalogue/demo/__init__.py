"""The demo catalogue loaded by `manage.py load_demo_catalogue`."""
