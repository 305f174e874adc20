using MLNet.Extensions.Kernels.Primitives;

namespace MLNet.Extensions.Trainers.Network.Layers;

/// <summary>Initial weights: He-normal (std = sqrt(2 / fanIn)), which keeps activation variance steady through ReLU stacks.</summary>
internal static class WeightInitializer
{
    /// <summary>Fills <paramref name="weights"/> with He-normal draws for a layer with <paramref name="fanIn"/> inputs per output.</summary>
    public static void HeNormal(Span<float> weights, int fanIn, ref KernelRandom random)
    {
        float std = MathF.Sqrt(2f / Math.Max(1, fanIn));
        for (int i = 0; i < weights.Length; i++)
            weights[i] = random.NextGaussian() * std;
    }
}
