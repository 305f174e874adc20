using System.Runtime.Intrinsics;
using MLNet.Extensions.Kernels.Layers;

namespace MLNet.Extensions.Kernels.Primitives;

/// <summary>Vectorized sums that batch norm and the loss functions need; lanes accumulate in float, the total in double.</summary>
internal static class Reductions
{
    /// <summary>Sum of x: one row of <see cref="BatchNormRows{TOps, TVector}.Sum"/>, the one home of the row-sum loop.</summary>
    public static unsafe double Sum(ReadOnlySpan<float> x)
    {
        var row = new ChannelRows(0, 0, 1, x.Length);
        fixed (float* p = x)
        {
            return KernelSettings.EffectiveVectorWidth switch
            {
                VectorWidth.Bits512 => BatchNormRows<Simd512, Vector512<float>>.Sum(row, p, 0f, squaredDeviation: false),
                VectorWidth.Bits256 => BatchNormRows<Simd256, Vector256<float>>.Sum(row, p, 0f, squaredDeviation: false),
                VectorWidth.Bits128 => BatchNormRows<Simd128, Vector128<float>>.Sum(row, p, 0f, squaredDeviation: false),
                _ => BatchNormRows<SimdScalar, float>.Sum(row, p, 0f, squaredDeviation: false),
            };
        }
    }
}
