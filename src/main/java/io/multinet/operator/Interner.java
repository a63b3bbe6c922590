package io.multinet.operator;

import java.lang.ref.WeakReference;
import java.util.WeakHashMap;

/**
 * One shared instance per distinct value, for the pieces that thousands of cached objects repeat
 * (a namespace, a label map, a node's name, a Ready condition). An instance is forgotten once no
 * cached object refers to it, so nodes that come and go leave nothing behind. Only for values that
 * are never changed after they are interned.
 */
final class Interner {

    // key and value are the same object; the value is weak too, or it would keep its own key alive
    private final WeakHashMap<Object, WeakReference<Object>> seen = new WeakHashMap<>();

    @SuppressWarnings("unchecked")
    synchronized <T> T intern(T value) {
        if (value == null) {
            return null;
        }
        WeakReference<Object> ref = seen.get(value);
        Object had = ref == null ? null : ref.get();
        if (had != null) {
            return (T) had;
        }
        seen.put(value, new WeakReference<>(value));
        return value;
    }

    synchronized int size() {
        return seen.size();
    }
}
