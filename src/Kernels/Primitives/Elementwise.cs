using System.Runtime.Intrinsics;

namespace MLNet.Extensions.Kernels.Primitives;

/// <summary>
/// One-line operators over spans, each a struct with a generic vector body, and one driver that runs an operator at
/// the width <see cref="KernelSettings.EffectiveVectorWidth"/> allows, finishing the tail with the scalar body.
/// </summary>
internal static class Elementwise
{
    /// <summary>destination[i] += source[i].</summary>
    public static void AddInPlace(Span<float> destination, ReadOnlySpan<float> source)
    {
        Require.Length(source, destination.Length);
        Binary<AddOperator>(destination, source, destination, 0f, 0f);
    }

    /// <summary>Runs <typeparamref name="TOperator"/> over (x, y) into z at the allowed width; z may alias x or y; lengths must match.</summary>
    public static void Binary<TOperator>(ReadOnlySpan<float> x, ReadOnlySpan<float> y, Span<float> z, float p, float q)
        where TOperator : IBinaryOperator
    {
        Require.Length(x, z.Length);
        Require.Length(y, z.Length);
        switch (KernelSettings.EffectiveVectorWidth)
        {
            case VectorWidth.Bits512: BinaryCore<TOperator, Simd512, Vector512<float>>(x, y, z, p, q); break;
            case VectorWidth.Bits256: BinaryCore<TOperator, Simd256, Vector256<float>>(x, y, z, p, q); break;
            case VectorWidth.Bits128: BinaryCore<TOperator, Simd128, Vector128<float>>(x, y, z, p, q); break;
            default: BinaryCore<TOperator, SimdScalar, float>(x, y, z, p, q); break;
        }
    }

    /// <summary>Runs <typeparamref name="TOperator"/> over x into z at the allowed width; z may alias x.</summary>
    public static void Unary<TOperator>(ReadOnlySpan<float> x, Span<float> z, float p = 0f, float q = 0f)
        where TOperator : IBinaryOperator
        => Binary<TOperator>(x, x, z, p, q);

    private static unsafe void BinaryCore<TOperator, TOps, TVector>(ReadOnlySpan<float> x, ReadOnlySpan<float> y, Span<float> z, float p, float q)
        where TOperator : IBinaryOperator
        where TOps : ISimd<TVector>
        where TVector : struct
    {
        int length = z.Length, w = TOps.Count, i = 0;
        fixed (float* px = x, py = y, pz = z)
        {
            TVector vp = TOps.Broadcast(p), vq = TOps.Broadcast(q);
            for (; i <= length - w; i += w)
                TOps.Store(TOperator.Invoke<TOps, TVector>(TOps.Load(px + i), TOps.Load(py + i), vp, vq), pz + i);
            for (; i < length; i++)
                pz[i] = TOperator.Invoke<SimdScalar, float>(px[i], py[i], p, q);
        }
    }
}

/// <summary>An elementwise operator z = f(x, y, parameter) with one body for every width.</summary>
internal interface IBinaryOperator
{
    /// <summary>The operator on one register of lanes; p and q are scalar parameters broadcast to every lane.</summary>
    static abstract TVector Invoke<TOps, TVector>(TVector x, TVector y, TVector p, TVector q)
        where TOps : ISimd<TVector>
        where TVector : struct;
}

/// <summary>x + y.</summary>
internal readonly struct AddOperator : IBinaryOperator
{
    public static TVector Invoke<TOps, TVector>(TVector x, TVector y, TVector p, TVector q) where TOps : ISimd<TVector> where TVector : struct
        => TOps.Add(x, y);
}

/// <summary>x * y.</summary>
internal readonly struct MultiplyOperator : IBinaryOperator
{
    public static TVector Invoke<TOps, TVector>(TVector x, TVector y, TVector p, TVector q) where TOps : ISimd<TVector> where TVector : struct
        => TOps.Multiply(x, y);
}
