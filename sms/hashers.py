"""Password hashing: Argon2id at a cost a two-core server can afford per log-in.

Django's own Argon2PasswordHasher uses 100 MiB and 8 lanes per hash: about 0.3 s of
CPU, which under load made every log-in wait behind the others (issue #13). These
parameters are OWASP's minimum for Argon2id (19 MiB, 2 passes, 1 lane; about 40 ms),
still far costlier to attack than PBKDF2 is. The algorithm name stays "argon2", so a
hash made here is an ordinary Argon2 hash; hashes made with other parameters (or with
PBKDF2, the previous default) are checked as they are and rewritten with these on
the user's next log-in.
"""

from django.contrib.auth.hashers import Argon2PasswordHasher as DjangoArgon2


class Argon2PasswordHasher(DjangoArgon2):
    time_cost = 2
    memory_cost = 19 * 1024  # KiB
    parallelism = 1
