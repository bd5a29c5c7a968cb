package dev.ingot.lab;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.server.mock.KubernetesAttributesExtractor;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesResponseComposer;
import io.fabric8.mockwebserver.ServerRequest;
import io.fabric8.mockwebserver.ServerResponse;
import io.fabric8.mockwebserver.crud.Attribute;
import io.fabric8.mockwebserver.crud.AttributeSet;
import io.fabric8.mockwebserver.crud.AttributeType;
import io.fabric8.mockwebserver.dsl.HttpMethod;
import io.fabric8.mockwebserver.http.Dispatcher;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.fabric8.mockwebserver.internal.MockDispatcher;
import io.fabric8.mockwebserver.internal.SimpleRequest;
import java.net.HttpURLConnection;
import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * fabric8's CRUD dispatcher (the mock API server's in-memory Kubernetes API) with an index, so that a get, a create,
 * an update or a status write costs the same with 60,000 objects stored as with ten.
 *
 * <p>fabric8's dispatcher keeps every object under an {@link AttributeSet} (plural, namespace, name, labels, ...)
 * and answers every request by matching the request's attributes against every stored object: a get by name, the
 * existence check of a create and the look-up of an update are all O(objects), so a bulk of N creates costs O(N²)
 * and the lab's API slowed to minutes for a few thousand Services. This subclass keeps the stored objects also by
 * plural and by (plural, name) and narrows every look-up to those candidates, then applies fabric8's own matching to
 * them: what is returned, and every other behaviour (validation, resourceVersion and 409 on conflicts, status
 * subresource, generation, finalizers, watches and their events), is fabric8's, unchanged.
 *
 * <p>Still O(objects), as in fabric8, and rare in the lab: opening a watch (its initial ADDED events), a delete, and a
 * list that finds nothing (fabric8 then answers API discovery requests).
 */
final class IndexedCrudDispatcher extends KubernetesCrudDispatcher {
    private static final String PLURAL = KubernetesAttributesExtractor.PLURAL;
    private static final String NAME = KubernetesAttributesExtractor.NAME;

    /**
     * Guards the index and the stored map as a pair: a get must never see an update half done (fabric8 removes the
     * old entry and puts the new one). Writers take it inside fabric8's own write lock; readers take only this one.
     */
    private final ReadWriteLock index = new ReentrantReadWriteLock();
    private final Map<String, Set<AttributeSet>> byPlural = new HashMap<>();
    private final Map<List<String>, Set<AttributeSet>> byName = new HashMap<>();
    /** Stored keys without a plural or a name (none are expected): searched by every look-up. */
    private final Set<AttributeSet> unindexed = new LinkedHashSet<>();
    private final AtomicLong resourceVersion = new AtomicLong();
    private final KubernetesAttributesExtractor extractor = (KubernetesAttributesExtractor) getAttributeExtractor();
    private final KubernetesResponseComposer composer = (KubernetesResponseComposer) getResponseComposer();

    /**
     * The lab's dispatcher: the mock server's own expectations ({@code /}, {@code /version}) first, as fabric8's
     * {@code KubernetesMixedDispatcher} does, then the indexed CRUD store.
     */
    static Dispatcher mixed(Map<ServerRequest, Queue<ServerResponse>> responses) {
        MockDispatcher expectations = new MockDispatcher(responses);
        IndexedCrudDispatcher crud = new IndexedCrudDispatcher();
        return new Dispatcher() {
            @Override
            public MockResponse dispatch(RecordedRequest request) {
                Queue<ServerResponse> q = responses.get(new SimpleRequest(HttpMethod.valueOf(request.getMethod()),
                        request.getPath()));
                return q != null && !q.isEmpty() ? expectations.dispatch(request) : crud.dispatch(request);
            }

            @Override
            public void shutdown() {
                expectations.shutdown();
                crud.shutdown();
            }

            @Override
            public void releaseResources() {
                expectations.releaseResources();
                crud.releaseResources();
            }
        };
    }

    @Override
    public long requestResourceVersion() {
        long v = super.requestResourceVersion();
        resourceVersion.accumulateAndGet(v, Math::max);
        return v;
    }

    @Override
    public Map.Entry<AttributeSet, String> findResource(AttributeSet query) {
        index.readLock().lock();
        try {
            for (AttributeSet key : candidates(query)) {
                if (key.matches(query)) {
                    return new AbstractMap.SimpleImmutableEntry<>(key, map.get(key));
                }
            }
            return null;
        } finally {
            index.readLock().unlock();
        }
    }

    @Override
    public MockResponse handleGet(String path) {
        if (path.contains("watch=true")) {
            return super.handleGet(path);
        }
        AttributeSet query = extractor.fromPath(path);
        if (value(query, PLURAL) == null) {
            return super.handleGet(path);
        }
        List<String> items = new ArrayList<>();
        String rv;
        index.readLock().lock();
        try {
            for (AttributeSet key : candidates(query)) {
                if (key.matches(query)) {
                    items.add(map.get(key));
                }
            }
            rv = String.valueOf(resourceVersion.get());
        } finally {
            index.readLock().unlock();
        }
        if (value(query, NAME) != null) {
            return items.isEmpty() ? new MockResponse().setResponseCode(HttpURLConnection.HTTP_NOT_FOUND)
                    : new MockResponse().setResponseCode(HttpURLConnection.HTTP_OK).setBody(items.getFirst());
        }
        if (items.isEmpty()) {
            return super.handleGet(path); // an empty list, or an API discovery request fabric8 answers
        }
        return new MockResponse().setResponseCode(HttpURLConnection.HTTP_OK).setBody(composer.compose(items, rv));
    }

    @Override
    public void processEvent(String path, AttributeSet pathAttributes, AttributeSet oldAttributes,
                             GenericKubernetesResource resource, String newState) {
        index.writeLock().lock();
        try {
            super.processEvent(path, pathAttributes, oldAttributes, resource, newState);
            if (oldAttributes != null) {
                unindex(oldAttributes);
            }
            if (newState != null) {
                // the key fabric8 just stored, computed as it computes it
                AttributeSet key = resource != null ? extractor.extract(resource) : extractor.fromResource(newState);
                if (!key.containsKey(PLURAL)) {
                    key = AttributeSet.merge(pathAttributes, key);
                }
                if (map.containsKey(key)) {
                    index(key);
                } else {
                    reindex(); // fabric8 stored it under another key: never serve from a wrong index
                }
            }
        } finally {
            index.writeLock().unlock();
        }
    }

    @Override
    public void reset() {
        index.writeLock().lock();
        try {
            super.reset();
            reindex();
        } finally {
            index.writeLock().unlock();
        }
    }

    /** The stored keys that can match the query: by (plural, name), by plural, or all of them. */
    private Iterable<AttributeSet> candidates(AttributeSet query) {
        String plural = value(query, PLURAL);
        String name = value(query, NAME);
        Set<AttributeSet> found;
        if (plural == null) {
            return List.copyOf(map.keySet());
        } else if (name == null) {
            found = byPlural.getOrDefault(plural, Set.of());
        } else {
            found = byName.getOrDefault(List.of(plural, name), Set.of());
        }
        if (unindexed.isEmpty()) {
            return found;
        }
        List<AttributeSet> all = new ArrayList<>(found);
        all.addAll(unindexed);
        return all;
    }

    private void index(AttributeSet key) {
        String plural = value(key, PLURAL);
        String name = value(key, NAME);
        if (plural == null || name == null) {
            unindexed.add(key);
            return;
        }
        byPlural.computeIfAbsent(plural, k -> new LinkedHashSet<>()).add(key);
        byName.computeIfAbsent(List.of(plural, name), k -> new LinkedHashSet<>()).add(key);
    }

    private void unindex(AttributeSet key) {
        if (unindexed.remove(key)) {
            return;
        }
        String plural = value(key, PLURAL);
        String name = value(key, NAME);
        if (plural == null || name == null) {
            return;
        }
        Set<AttributeSet> p = byPlural.get(plural);
        if (p != null && p.remove(key) && p.isEmpty()) {
            byPlural.remove(plural);
        }
        List<String> pn = List.of(plural, name);
        Set<AttributeSet> n = byName.get(pn);
        if (n != null && n.remove(key) && n.isEmpty()) {
            byName.remove(pn);
        }
    }

    private void reindex() {
        byPlural.clear();
        byName.clear();
        unindexed.clear();
        synchronized (map) {
            map.keySet().forEach(this::index);
        }
    }

    /**
     * The value a look-up can be narrowed by: the attribute's one plain value, "" for a null one (a create with
     * generateName asks whether the object without a name exists); null when the attribute is absent or cannot narrow
     * (another type, several values, fabric8's wildcard {@code *}).
     */
    private static String value(AttributeSet set, String key) {
        Attribute a = set.getAttribute(key);
        if (a == null || a.getType() != AttributeType.WITH || a.getValues().size() != 1) {
            return null;
        }
        String v = a.getValues().getFirst().toString();
        return v == null ? "" : v.equals("*") ? null : v;
    }
}
