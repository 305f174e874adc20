using MLNet.Extensions.Kernels.Optimizers;
using MLNet.Extensions.TestUtilities;

namespace MLNet.Extensions.Kernels.Tests.Optimizers;

public class OptimizerTests
{
    private const int Length = 37;

    [Theory]
    [InlineData(0f, false, 0f)]
    [InlineData(0.9f, false, 0.01f)]
    [InlineData(0.9f, true, 0f)]
    public void SgdFollowsPyTorchSemantics(float momentum, bool nesterov, float decay)
    {
        float[] p = RandomData.Uniform(Length, 1), v = new float[Length];
        double[] pd = p.Select(x => (double)x).ToArray(), vd = new double[Length];
        for (int step = 1; step <= 3; step++)
        {
            float[] g = RandomData.Uniform(Length, (ulong)step + 10);
            Sgd.Step(p, g, v, 0.1f, momentum, nesterov, decay);
            for (int i = 0; i < Length; i++)
            {
                double gi = g[i] + decay * pd[i];
                if (momentum == 0) { pd[i] -= 0.1 * gi; continue; }
                vd[i] = momentum * vd[i] + gi;
                pd[i] -= 0.1 * (nesterov ? gi + momentum * vd[i] : vd[i]);
            }
        }
        Tolerance.AssertClose(pd, p, 1e-5, 1e-6);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void AdamAndAdamWFollowTheirDefinitions(bool decoupled)
    {
        float[] p = RandomData.Uniform(Length, 2), m = new float[Length], v = new float[Length];
        double[] pd = p.Select(x => (double)x).ToArray(), md = new double[Length], vd = new double[Length];
        for (int step = 1; step <= 4; step++)
        {
            float[] g = RandomData.Uniform(Length, (ulong)step + 20);
            Adam.Step(p, g, m, v, step, 0.01f, 0.9f, 0.999f, 1e-8f, 0.1f, decoupled);
            for (int i = 0; i < Length; i++)
            {
                double gi = g[i];
                if (decoupled) pd[i] *= 1 - 0.01 * 0.1; else gi += 0.1 * pd[i];
                md[i] = 0.9 * md[i] + 0.1 * gi;
                vd[i] = 0.999 * vd[i] + 0.001 * gi * gi;
                pd[i] -= 0.01 * (md[i] / (1 - Math.Pow(0.9, step))) / (Math.Sqrt(vd[i] / (1 - Math.Pow(0.999, step))) + 1e-8);
            }
        }
        Tolerance.AssertClose(pd, p, 1e-4, 1e-6);
    }

    public static TheoryData<VectorWidth, bool> AdamWidths()
    {
        var data = new TheoryData<VectorWidth, bool>();
        foreach (VectorWidth width in VectorWidthScope.SupportedWidths())
        {
            data.Add(width, false);
            data.Add(width, true);
        }
        return data;
    }

    // Bit-identical to the plain scalar loop on every width: a model trained on one machine is reproduced on another.
    [Theory]
    [MemberData(nameof(AdamWidths))]
    public void AdamGivesTheScalarLoopsFloatsOnEveryWidth(VectorWidth width, bool decoupled)
    {
        using var scope = new VectorWidthScope(width);
        const int length = 1000 + 13;
        float[] p = RandomData.Uniform(length, 3), m = new float[length], v = new float[length];
        float[] ps = (float[])p.Clone(), ms = new float[length], vs = new float[length];
        for (int step = 1; step <= 5; step++)
        {
            float[] g = RandomData.Uniform(length, (ulong)step + 30);
            Adam.Step(p, g, m, v, step, 3e-3f, 0.9f, 0.999f, 1e-8f, 0.01f, decoupled);
            ScalarAdam(ps, g, ms, vs, step, 3e-3f, 0.9f, 0.999f, 1e-8f, 0.01f, decoupled);
        }
        Assert.Equal(ps, p);
        Assert.Equal(ms, m);
        Assert.Equal(vs, v);
    }

    private static void ScalarAdam(float[] p, float[] g, float[] m, float[] v, int step, float lr, float beta1, float beta2,
        float epsilon, float decay, bool decoupled)
    {
        float c1 = 1f - MathF.Pow(beta1, step), c2 = 1f - MathF.Pow(beta2, step);
        for (int i = 0; i < p.Length; i++)
        {
            float gi = g[i];
            if (decoupled)
                p[i] *= 1f - lr * decay;
            else
                gi += decay * p[i];
            m[i] = beta1 * m[i] + (1 - beta1) * gi;
            v[i] = beta2 * v[i] + (1 - beta2) * gi * gi;
            p[i] -= lr * (m[i] / c1) / (MathF.Sqrt(v[i] / c2) + epsilon);
        }
    }

    [Theory]
    [InlineData(0f)]
    [InlineData(0.5f)]
    public void RmsPropFollowsPyTorchSemantics(float momentum)
    {
        float[] p = RandomData.Uniform(Length, 3), s = new float[Length], b = new float[Length];
        double[] pd = p.Select(x => (double)x).ToArray(), sd = new double[Length], bd = new double[Length];
        for (int step = 1; step <= 3; step++)
        {
            float[] g = RandomData.Uniform(Length, (ulong)step + 30);
            RmsProp.Step(p, g, s, momentum > 0 ? b : [], 0.01f, 0.99f, 1e-8f, momentum, 0f);
            for (int i = 0; i < Length; i++)
            {
                sd[i] = 0.99 * sd[i] + 0.01 * g[i] * g[i];
                double update = g[i] / (Math.Sqrt(sd[i]) + 1e-8);
                if (momentum > 0) { bd[i] = momentum * bd[i] + update; update = bd[i]; }
                pd[i] -= 0.01 * update;
            }
        }
        Tolerance.AssertClose(pd, p, 1e-4, 1e-6);
    }

    [Fact]
    public void ClippingScalesOnlyWhenTheNormIsTooLarge()
    {
        float[] g = [3f, 4f];
        Assert.Equal(5f, GradientClipping.ClipByGlobalNorm(g, 10f));
        Assert.Equal(new[] { 3f, 4f }, g);
        Assert.Equal(5f, GradientClipping.ClipByGlobalNorm(g, 1f));
        Assert.Equal(0.6f, g[0], 5);
        Assert.Equal(0.8f, g[1], 5);
    }

    public static TheoryData<VectorWidth> Widths() => VectorWidthScope.SupportedWidths();

    [Theory]
    [MemberData(nameof(Widths))]
    public void ClippingALongGradientMatchesTheDoubleReferenceOnEveryWidth(VectorWidth width)
    {
        using var scope = new VectorWidthScope(width);
        float[] g = RandomData.Uniform(1000 + 7, 41);
        double norm = Math.Sqrt(g.Sum(x => (double)x * x));
        double[] expected = g.Select(x => x * (2.0 / norm)).ToArray();
        Assert.Equal(norm, GradientClipping.ClipByGlobalNorm(g, 2f), 4);
        Tolerance.AssertClose(expected, g, 1e-6, 1e-7);
    }
}
