"""Reading city exports into canonical work orders."""
