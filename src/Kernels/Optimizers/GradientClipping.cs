namespace MLNet.Extensions.Kernels.Optimizers;

/// <summary>Rescales a gradient so its global L2 norm does not exceed a bound.</summary>
public static class GradientClipping
{
    /// <summary>Returns the norm before clipping; when it exceeds <paramref name="maxNorm"/>, scales gradients by maxNorm / norm.</summary>
    public static float ClipByGlobalNorm(Span<float> gradients, float maxNorm)
        => throw new NotImplementedException();
}
