"""The reception staff desk: accounts and sign-in, law search, route finder, deadlines, guidance sheet."""
