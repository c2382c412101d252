using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Quiver.Kernel.Quantization;

/// <summary>
/// Dot products of one short vector against many centroids stored column-major (one contiguous column
/// of k values per coordinate): the shape of PQ lookup tables and of k-means assignment in few
/// dimensions, where a row-by-row kernel would spend its time on loop overhead.
/// </summary>
internal static class Columns
{
    /// <summary>Column-major copy of k row-major centroids of dim values, and their squared norms.</summary>
    public static (float[] Columns, float[] Norms) Transpose(ReadOnlySpan<float> centroids, int dim)
    {
        int k = centroids.Length / dim;
        var columns = new float[centroids.Length];
        var norms = new float[k];
        for (int c = 0; c < k; c++)
        {
            double norm = 0;
            for (int t = 0; t < dim; t++)
            {
                float v = centroids[c * dim + t];
                columns[t * k + c] = v;
                norm += (double)v * v;
            }
            norms[c] = (float)norm;
        }
        return (columns, norms);
    }

    /// <summary>
    /// table[c] = bias[c] (0 when empty) + constant + scale · Σ_t a[t] · columns[t, c] over ksub-long
    /// columns, vectorised across c with the accumulators in registers.
    /// </summary>
    public static void Accumulate(ReadOnlySpan<float> a, float scale, ReadOnlySpan<float> columns, int ksub, ReadOnlySpan<float> bias, float constant, Span<float> table)
    {
        int dsub = a.Length, c = 0;
        bool hasBias = !bias.IsEmpty;
        ref float col = ref MemoryMarshal.GetReference(columns);
        ref float tab = ref MemoryMarshal.GetReference(table);
        ref float b = ref MemoryMarshal.GetReference(bias);
        Span<float> scaled = stackalloc float[dsub];
        for (int t = 0; t < dsub; t++) scaled[t] = scale * a[t];
        ref float s = ref MemoryMarshal.GetReference(scaled);
        if (Vector512.IsHardwareAccelerated)
        {
            var k = Vector512.Create(constant);
            for (; c + 64 <= ksub; c += 64)
            {
                Vector512<float> acc0 = k, acc1 = k, acc2 = k, acc3 = k;
                if (hasBias)
                {
                    acc0 += Vector512.LoadUnsafe(ref b, (nuint)c);
                    acc1 += Vector512.LoadUnsafe(ref b, (nuint)c + 16);
                    acc2 += Vector512.LoadUnsafe(ref b, (nuint)c + 32);
                    acc3 += Vector512.LoadUnsafe(ref b, (nuint)c + 48);
                }
                ref float p = ref Unsafe.Add(ref col, c);
                for (int t = 0; t < dsub; t++)
                {
                    var alpha = Vector512.Create(Unsafe.Add(ref s, t));
                    acc0 = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref p), alpha, acc0);
                    acc1 = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref p, 16), alpha, acc1);
                    acc2 = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref p, 32), alpha, acc2);
                    acc3 = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref p, 48), alpha, acc3);
                    p = ref Unsafe.Add(ref p, ksub);
                }
                acc0.StoreUnsafe(ref tab, (nuint)c);
                acc1.StoreUnsafe(ref tab, (nuint)c + 16);
                acc2.StoreUnsafe(ref tab, (nuint)c + 32);
                acc3.StoreUnsafe(ref tab, (nuint)c + 48);
            }
        }
        if (Vector.IsHardwareAccelerated)
        {
            int w = Vector<float>.Count;
            var k = new Vector<float>(constant);
            for (; c + w <= ksub; c += w)
            {
                var acc = hasBias ? k + Vector.LoadUnsafe(ref b, (nuint)c) : k;
                ref float p = ref Unsafe.Add(ref col, c);
                for (int t = 0; t < dsub; t++)
                {
                    acc = Vector.FusedMultiplyAdd(Vector.LoadUnsafe(ref p), new Vector<float>(Unsafe.Add(ref s, t)), acc);
                    p = ref Unsafe.Add(ref p, ksub);
                }
                acc.StoreUnsafe(ref tab, (nuint)c);
            }
        }
        for (; c < ksub; c++)
        {
            float sum = constant + (hasBias ? Unsafe.Add(ref b, c) : 0f);
            for (int t = 0; t < dsub; t++) sum += Unsafe.Add(ref s, t) * Unsafe.Add(ref col, t * ksub + c);
            Unsafe.Add(ref tab, c) = sum;
        }
    }

}
