using MLNet.Extensions.Samples;

namespace MLNet.Extensions.Snippets.Tests;

/// <summary>The samples' data-folder search: found from inside the repository, a clear message from outside it.</summary>
public sealed class SampleDataFolderTests
{
    [Fact]
    public void FindsTheDataFromAnyFolderInsideTheRepository()
    {
        string nested = Path.Combine(Support.Repository.Root, "samples", "CnnMnist");
        Assert.Equal(Path.Combine(Support.Repository.Root, "samples", "data"), MnistDigits.FindDataFolder(nested));
    }

    [Fact]
    public void SaysWhereItLookedAndWhatToDoWhenTheDataIsMissing()
    {
        string outside = Directory.CreateTempSubdirectory("mlnet-ext-nodata-").FullName;
        try
        {
            var error = Assert.Throws<DirectoryNotFoundException>(() => MnistDigits.FindDataFolder(outside, "co2-concentration.csv"));
            Assert.Contains("co2-concentration.csv", error.Message);
            Assert.Contains(outside, error.Message);
            Assert.Contains("MLNET_EXTENSIONS_DATA", error.Message);
        }
        finally
        {
            Directory.Delete(outside);
        }
    }
}
