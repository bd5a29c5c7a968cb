package dev.ingot.speaker;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.client.informers.cache.Cache;
import io.fabric8.kubernetes.client.informers.cache.ItemStore;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.stream.Stream;

/**
 * An informer's store that keeps, of each object, only the model the speaker plans with (built by {@link KubeModel})
 * and the object's resourceVersion, instead of the object. Where the informer asks for an object it gets a skeleton
 * (namespace, name, resourceVersion): enough for its keys, for telling an update from a re-list, and for deletions.
 * Its event handlers still receive the full new object. 10,000 Services with their EndpointSlices cost a few megabytes
 * this way instead of the ~150 MB of their full form (managedFields, owner and target references, labels, zones).
 *
 * @param <T> the Kubernetes type the informer lists and watches
 * @param <M> what is kept of each object
 */
final class ModelStore<T extends HasMetadata, M> implements ItemStore<T> {
    private record Item<M>(M model, String resourceVersion) {}

    private final Map<String, Item<M>> items = new ConcurrentHashMap<>();
    private final Supplier<T> skeletons;
    private final Function<T, M> model;

    /**
     * @param skeletons a new, empty object of the type (its constructor)
     * @param model what to keep of an object
     */
    ModelStore(Supplier<T> skeletons, Function<T, M> model) {
        this.skeletons = skeletons;
        this.model = model;
    }

    /** The models of every object in the store, in no particular order. */
    List<M> models() {
        return items.values().stream().map(Item::model).toList();
    }

    /** The model of the object with this key ({@code namespace/name}), or null. */
    M model(String key) {
        Item<M> i = items.get(key);
        return i == null ? null : i.model();
    }

    @Override
    public String getKey(T obj) {
        return Cache.metaNamespaceKeyFunc(obj);
    }

    @Override
    public T put(String key, T obj) {
        return skeleton(key, items.put(key, new Item<>(model.apply(obj), obj.getMetadata().getResourceVersion())));
    }

    @Override
    public T remove(String key) {
        return skeleton(key, items.remove(key));
    }

    @Override
    public Stream<String> keySet() {
        return items.keySet().stream();
    }

    @Override
    public Stream<T> values() {
        return items.entrySet().stream().map(e -> skeleton(e.getKey(), e.getValue()));
    }

    @Override
    public T get(String key) {
        return skeleton(key, items.get(key));
    }

    @Override
    public int size() {
        return items.size();
    }

    private T skeleton(String key, Item<M> item) {
        if (item == null) {
            return null;
        }
        int slash = key.indexOf('/');
        ObjectMeta meta = new ObjectMeta();
        meta.setNamespace(slash < 0 ? null : key.substring(0, slash));
        meta.setName(key.substring(slash + 1));
        meta.setResourceVersion(item.resourceVersion());
        T t = skeletons.get();
        t.setMetadata(meta);
        return t;
    }
}
