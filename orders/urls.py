"""Reader pages for buying: basket, checkout, payment, order status."""

from django.urls import path

from . import views

app_name = "orders"

urlpatterns = [
    path("basket/", views.basket, name="basket"),
    path("basket/add/", views.basket_add, name="basket-add"),
    path("basket/update/", views.basket_update, name="basket-update"),
    path("checkout/", views.checkout, name="checkout"),
    path("checkout/payment/", views.payment, name="payment"),
    path("orders/find/", views.find_orders, name="find"),  # before the order numbers' pattern
    path("orders/<str:number>/", views.order_status, name="order"),
    path("orders/<str:number>/receipt/", views.receipt, name="receipt"),
    path("orders/<str:number>/credit-notes/<int:credit_note>/", views.credit_note, name="credit-note"),
]
