using System.Runtime.CompilerServices;

namespace MLNet.Extensions.Kernels.Gemm;

/// <summary>Writes one accumulator vector back to C as alpha * acc + beta * C, never reading C when beta is 0.</summary>
internal static unsafe class TileUpdate
{
    /// <summary>c[0..Count) := alpha * acc + beta * c[0..Count).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Apply<TSimd, TVector>(float* c, TVector acc, float alpha, float beta)
        where TSimd : struct, ISimd<TVector>
        where TVector : unmanaged
    {
        TVector scaled = TSimd.Broadcast(alpha);
        if (beta == 0f)
            TSimd.Store(c, TSimd.Multiply(acc, scaled));
        else if (beta == 1f)
            TSimd.Store(c, TSimd.MultiplyAdd(acc, scaled, TSimd.Load(c)));
        else
            TSimd.Store(c, TSimd.MultiplyAdd(acc, scaled, TSimd.Multiply(TSimd.Load(c), TSimd.Broadcast(beta))));
    }
}
