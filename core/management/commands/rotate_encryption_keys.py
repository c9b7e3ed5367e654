import time

from django.core.management.base import BaseCommand
from django.db import connection, transaction

from core import datakeys
from core.fields import encrypted_fields, needs_rotation, rotate, rotation_hooks


class Command(BaseCommand):
    help = (
        "Re-wrap every person's data key, then re-encrypt every value still under "
        "the field keys, with the first key of FIELD_ENCRYPTION_KEYS, in batches. "
        "Afterwards the other keys can be removed."
    )

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=500)

    def handle(self, *args, batch_size, **options):
        # The people's data keys first: one small row each, whatever they hold.
        started = time.monotonic()
        rewrapped = datakeys.rewrap(batch_size=batch_size)
        self.stdout.write(
            f"data keys: {rewrapped} re-wrapped in {time.monotonic() - started:.2f} s "
            "(the values under them stay as they are)"
        )
        total = 0
        for model, names in encrypted_fields():
            total += self._rotate_model(model, names, batch_size)
        for name, hook in rotation_hooks().items():
            rotated = hook(batch_size=batch_size)
            self.stdout.write(f"{name}: {rotated} values re-encrypted")
            total += rotated
        self.stdout.write(self.style.SUCCESS(f"Done: {total} values re-encrypted."))

    def _rotate_model(self, model, names, batch_size) -> int:
        qn = connection.ops.quote_name
        table = qn(model._meta.db_table)
        pk = qn(model._meta.pk.column)
        columns = [qn(model._meta.get_field(n).column) for n in names]
        lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
        select = f"SELECT {pk}, {', '.join(columns)} FROM {table}"  # noqa: S608
        count = model._default_manager.count()
        done = rotated = 0
        last = None
        while True:
            # Keyset pagination: each batch starts after the last primary key seen.
            where = "" if last is None else f" WHERE {pk} > %s"
            params = [batch_size] if last is None else [last, batch_size]
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(f"{select}{where} ORDER BY {pk} LIMIT %s{lock}", params)
                rows = cursor.fetchall()
                if not rows:
                    break
                for row in rows:
                    updates = {
                        col: rotate(token)
                        for col, token in zip(columns, row[1:], strict=True)
                        if token is not None and needs_rotation(token)
                    }
                    if updates:
                        sets = ", ".join(f"{col} = %s" for col in updates)
                        cursor.execute(
                            f"UPDATE {table} SET {sets} WHERE {pk} = %s",  # noqa: S608
                            [*updates.values(), row[0]],
                        )
                        rotated += len(updates)
            last = rows[-1][0]
            done += len(rows)
            self.stdout.write(
                f"{model._meta.label}: {done}/{count} rows, {rotated} values re-encrypted"
            )
        return rotated
