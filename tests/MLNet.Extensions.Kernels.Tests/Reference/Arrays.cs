namespace MLNet.Extensions.Kernels.Tests.Reference;

/// <summary>Conversions and dot products for reference computations.</summary>
internal static class Arrays
{
    public static double[] ToDouble(float[] values) => values.Select(v => (double)v).ToArray();

    public static float[] ToFloat(double[] values) => values.Select(v => (float)v).ToArray();

    public static double Dot(double[] a, float[] b)
    {
        double sum = 0;
        for (int i = 0; i < a.Length; i++)
            sum += a[i] * b[i];
        return sum;
    }
}
