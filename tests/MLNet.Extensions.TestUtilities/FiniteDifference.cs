using Xunit;
namespace MLNet.Extensions.TestUtilities;

/// <summary>Central finite differences in double precision, the oracle for every backward pass.</summary>
public static class FiniteDifference
{
    /// <summary>d loss / d x[i] ≈ (loss(x + h e_i) - loss(x - h e_i)) / 2h for every i; x is restored afterwards.</summary>
    public static double[] Gradient(Func<double[], double> loss, double[] x, double step = 1e-5)
    {
        var gradient = new double[x.Length];
        for (int i = 0; i < x.Length; i++)
        {
            double saved = x[i];
            x[i] = saved + step;
            double up = loss(x);
            x[i] = saved - step;
            double down = loss(x);
            x[i] = saved;
            gradient[i] = (up - down) / (2 * step);
        }
        return gradient;
    }
}
