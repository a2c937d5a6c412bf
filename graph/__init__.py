"""The store stage: IRIs, the project's errors, and the stores (embedded or remote)."""
