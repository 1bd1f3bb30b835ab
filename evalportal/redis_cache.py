"""Django's Redis cache, with one Redis client per server kept for the life of the process.

Django's ``RedisCacheClient.get_client`` builds a new ``redis.Redis`` around the (kept)
connection pool on every cache call, and building one fills its table of some 170 response
callbacks: about 60 µs, twice on a kept board page (the data versions' key, then the body),
which is most of what a page kept in the cache costs beyond its queries. A ``redis.Redis`` is
safe to share between threads (each command takes a connection from the pool) and, like the
pool, notices a fork; Django keeps one cache object per thread anyway.
"""

from django.core.cache.backends.redis import RedisCache, RedisCacheClient


class KeptClientRedisCacheClient(RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        index = self._get_connection_pool_index(write)
        client = self._clients.get(index)
        if client is None:
            client = self._clients[index] = self._client(connection_pool=self._get_connection_pool(write))
        return client


class KeptClientRedisCache(RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = KeptClientRedisCacheClient
