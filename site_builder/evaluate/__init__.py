"""Quality evaluations against gold files: ``python -m site_builder.evaluate KIND GOLD``.

Each kind is a submodule with ``main(argv) -> int`` that prints one summary line.
"""
