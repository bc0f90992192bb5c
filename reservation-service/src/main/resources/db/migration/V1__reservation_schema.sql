-- The reservation schema belongs to reservation-service alone; no other service reads or writes it.
COMMENT ON SCHEMA reservation IS 'Ballast reservation-service: budgets, ledger, holds, migrations, command outbox';
