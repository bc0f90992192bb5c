-- The probe application's state: a budget per VM, changed together with the outbox.
CREATE TABLE budgets (
    vm_id        text   PRIMARY KEY,
    target_bytes bigint NOT NULL
);
