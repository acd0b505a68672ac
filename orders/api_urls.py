"""The orders' API routes, mounted under /api/."""

from django.urls import path

from . import api

urlpatterns = [
    path("delivery-methods/", api.DeliveryMethodList.as_view(), name="api-delivery-methods"),
    path("orders/", api.OrderCreate.as_view(), name="api-order-create"),
    path("orders/<str:number>/", api.OrderDetail.as_view(), name="api-order-detail"),
    path("orders/<str:number>/pay/", api.OrderPay.as_view(), name="api-order-pay"),
    path("payments/stripe/webhook/", api.stripe_webhook, name="stripe-webhook"),
    path("fulfilment/dispatch/", api.fulfilment_dispatch, name="fulfilment-dispatch"),
]
