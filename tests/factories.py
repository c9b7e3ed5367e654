"""Factories for the whole suite (models spread over several apps)."""

import factory
from django.utils import timezone

from accounts.models import Customer, User
from core.audit import Actor
from licensing import services
from licensing.models import Partner, Plan, Product


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ["email"]

    email = factory.Sequence(lambda n: f"user{n}@example.com")
    password = factory.django.Password("correct horse battery staple")


class CustomerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Customer

    email = factory.Sequence(lambda n: f"customer{n}@example.org")
    name = factory.Sequence(lambda n: f"Customer Name {n}")
    language = "en"


class ProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Product
        django_get_or_create = ["slug"]

    slug = "desktop"
    name = "Desktop"
    current_major = 7


class PlanFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Plan
        django_get_or_create = ["slug"]

    product = factory.SubFactory(ProductFactory)
    slug = factory.Sequence(lambda n: f"plan-{n}")
    name = factory.LazyAttribute(lambda o: o.slug.title())
    seats = 1
    initial_term_months = 12


class PartnerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Partner
        django_get_or_create = ["slug"]

    slug = "northwind"
    name = "Northwind Resellers"


def issue(plan=None, **kwargs):
    """A license issued through the service, as in real use."""
    plan = plan or PlanFactory()
    kwargs.setdefault("purchased_on", timezone.localdate())
    return services.license_issue(plan=plan, actor=Actor.system(), **kwargs)
