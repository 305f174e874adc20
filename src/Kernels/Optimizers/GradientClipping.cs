namespace MLNet.Extensions.Kernels.Optimizers;

/// <summary>Rescales a gradient so its global L2 norm does not exceed a bound.</summary>
public static class GradientClipping
{
    /// <summary>Returns the norm before clipping; when it exceeds <paramref name="maxNorm"/>, scales gradients by maxNorm / norm.</summary>
    public static float ClipByGlobalNorm(Span<float> gradients, float maxNorm)
        {
        double sum = 0;
        foreach (float g in gradients)
            sum += (double)g * g;
        float norm = (float)Math.Sqrt(sum);
        if (norm > maxNorm && norm > 0)
        {
            float scale = maxNorm / norm;
            for (int i = 0; i < gradients.Length; i++)
                gradients[i] *= scale;
        }
        return norm;
    }
}
