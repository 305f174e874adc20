using Xunit;
using MLNet.Extensions.Kernels.Primitives;

namespace MLNet.Extensions.TestUtilities;

/// <summary>Seeded random arrays for tests.</summary>
public static class RandomData
{
    /// <summary>n values uniform in [-scale, scale).</summary>
    public static float[] Uniform(int n, ulong seed, float scale = 1f)
    {
        var random = new KernelRandom(seed);
        var values = new float[n];
        for (int i = 0; i < n; i++)
            values[i] = (random.NextSingle() * 2f - 1f) * scale;
        return values;
    }
}
