namespace Quiver.Index;

/// <summary>
/// A lock-free pool of per-search scratch objects, so a search allocates nothing: rent takes any
/// parked object with one interlocked exchange, return parks it in any empty slot. When every slot is
/// empty (more concurrent searches than slots) a new object is made; when every slot is full on return
/// the object is dropped.
/// </summary>
internal sealed class ScratchPool<T>(Func<T> factory) where T : class
{
    private readonly T?[] _slots = new T?[Math.Max(4, 2 * Environment.ProcessorCount)];

    public T Rent()
    {
        var slots = _slots;
        for (int i = 0; i < slots.Length; i++)
        {
            var item = Interlocked.Exchange(ref slots[i], null);
            if (item is not null) return item;
        }
        return factory();
    }

    public void Return(T item)
    {
        var slots = _slots;
        for (int i = 0; i < slots.Length; i++)
            if (Interlocked.CompareExchange(ref slots[i], item, null) is null) return;
    }
}
