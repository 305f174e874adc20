using System.Globalization;
using System.Text.RegularExpressions;
using MLNet.Extensions.Snippets.Tests.Support;
using Xunit.Abstractions;

namespace MLNet.Extensions.Snippets.Tests;

/// <summary>Each README snippet compiled as a user's Program.cs and run; its printed results are checked.</summary>
public sealed partial class SnippetRunTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("mlnet-ext-snippet-").FullName;

    private string Run(string name)
    {
        var snippet = SnippetCompiler.Compile(Repository.PathOf($"tests/MLNet.Extensions.Snippets.Tests/Snippets/{name}.cs"));
        string printed = SnippetCompiler.Run(snippet, _folder);
        output.WriteLine(printed);
        return printed;
    }

    private static double Number(string printed, string label)
    {
        Match match = Regex.Match(printed, Regex.Escape(label) + @": (?<value>-?[0-9.]+)");
        Assert.True(match.Success, $"The snippet printed no '{label}: <number>' line:\n{printed}");
        return double.Parse(match.Groups["value"].Value, CultureInfo.InvariantCulture);
    }

    [Fact]
    public void CnnImagesTrainsFromPngFilesLogsAndReloads()
    {
        // 1,000 digits: 800 to train (of which 10% validate), 200 to test.
        DigitFolder.Write(Path.Combine(_folder, "digits"), 0, 1000);
        string printed = Run("CnnImages");

        // The snippet's seeds are fixed: measured 0.943; the margin covers other SIMD widths and thread counts.
        double accuracy = Number(printed, "test accuracy");
        Assert.True(accuracy > 0.88, $"test accuracy {accuracy}");
        Assert.Matches(@"epoch 1/10, batch 20: 320/[0-9,]+ samples, running loss [0-9.]+, [0-9]+ samples/s, about [0-9:]+ left", printed);
        Assert.Matches(@"epoch 1/10: lr ", printed);
        Assert.Matches(@"digit-0.png is a [0-9]", printed);
        Assert.True(new FileInfo(Path.Combine(_folder, "digits-cnn.zip")).Length > 10_000);
        string[] log = File.ReadAllLines(Path.Combine(_folder, "training.csv"));
        Assert.StartsWith("epoch,epochs,learning_rate,train_loss,validation_loss,validation_accuracy", log[0]);
        Assert.Equal(Regex.Matches(printed, @"^epoch [0-9]+/10: lr", RegexOptions.Multiline).Count, log.Length - 1);
    }

    [Fact]
    public void LstmSequencesClassifiesVariableLengthSequences()
    {
        double accuracy = Number(Run("LstmSequences"), "sequence accuracy");
        // The classes are separable by the first feature's trend; measured 1.000 with 8 epochs.
        Assert.True(accuracy > 0.95, $"sequence accuracy {accuracy}");
    }

    [Fact]
    public void SequenceLayersStackAConvolutionAndGlobalPooling()
    {
        string printed = Run("SequenceLayers");
        Assert.Contains("conv1d 4@2 stride 1 pad 0+0", printed);
        Assert.Contains("global avg-pool", printed);
        double r2 = Number(printed, "R squared");
        // The target is linear in the inputs, so the stack can fit it exactly: measured 0.992 (seeds fixed); margin 0.04.
        Assert.True(r2 > 0.95, $"R squared {r2}");
    }

    [Fact]
    public void LstmForecastForecastsSixMonthsWithBounds()
    {
        string printed = Run("LstmForecast");
        Assert.Matches(@"^forecast \[[0-9.]+ \([0-9.]+\.\.[0-9.]+\)(, [0-9.]+ \([0-9.]+\.\.[0-9.]+\)){5}\]", printed);
        // The series' yearly cycle has an amplitude of 3; a forecaster that learned it is far closer than that.
        double error = Number(printed, "mean absolute error");
        Assert.True(error < 1.0, $"mean absolute error {error}");
    }

    [Fact]
    public void LstmForecastCovariatesReadsTheCovariate()
    {
        double error = Number(Run("LstmForecastCovariates"), "mean absolute error");
        // Sales vary by 3 x spend (a spread of about 7.5 in mean absolute terms) on noise of mean absolute deviation 0.25;
        // only a forecaster that reads the spend comes close to the noise. Measured 0.368 (seeds fixed; 0.379 before the forecaster's cosine and validation defaults).
        Assert.True(error < 1.0, $"mean absolute error {error}");
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);
}
