using System.Runtime.CompilerServices;
using MLNet.Extensions.Kernels.Primitives;

namespace MLNet.Extensions.Kernels.Gemm;

/// <summary>Writes one accumulator vector back to C as alpha * acc + beta * C, never reading C when beta is 0.</summary>
internal static unsafe class TileUpdate
{
    /// <summary>c[0..Count) := alpha * acc + beta * c[0..Count).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Apply<TSimd, TVector>(float* c, TVector acc, float alpha, float beta)
        where TSimd : struct, ISimd<TVector>
        where TVector : struct
    {
        TVector scaled = TSimd.Broadcast(alpha);
        if (beta == 0f)
            TSimd.Store(TSimd.Multiply(acc, scaled), c);
        else if (beta == 1f)
            TSimd.Store(TSimd.MultiplyAdd(acc, scaled, TSimd.Load(c)), c);
        else
            TSimd.Store(TSimd.MultiplyAdd(acc, scaled, TSimd.Multiply(TSimd.Load(c), TSimd.Broadcast(beta))), c);
    }
}
