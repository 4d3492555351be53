using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using GenerativeRec.Samples.Serving;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.ML.GenerativeRec.Tests.Infrastructure;
using TimedHistory = Microsoft.ML.GenerativeRec.Tests.Transformers.SequentialRecommenderTransformerTests.TimedHistory;

namespace Microsoft.ML.GenerativeRec.Tests.Serving;

/// <summary>
/// The serving sample (samples/RecommendationService) on a loopback port, over an ONNX model exported from a small
/// time-aware HSTU: its answers equal the TorchSharp model's, it stays correct under concurrent load, and bad requests
/// get a 400 that says what is wrong.
/// </summary>
[TestClass]
public sealed class RecommendationServiceTests
{
    private const int Clients = 8;
    private const int RequestsPerClient = 2_000;

    private static TempFolder s_folder = null!;
    private static HstuTransformer s_model = null!;
    private static WebApplication s_app = null!;
    private static HttpClient s_client = null!;
    private static TimedHistory[] s_histories = [];

    [ClassInitialize]
    public static async Task StartService(TestContext context)
    {
        var mlContext = new MLContext(seed: 1);
        var split = SyntheticSequences.Split(mlContext, withTimestamps: true);
        s_model = mlContext.Recommendation().Trainers.Hstu(SyntheticSequences.HstuOptions(epochs: 1)).Fit(split.Train);
        s_folder = new TempFolder();
        string onnx = s_folder.File("hstu.onnx");
        using (var file = File.Create(onnx))
        {
            mlContext.Recommendation().ConvertToOnnx(s_model, file);
        }

        s_histories = [.. mlContext.Data.CreateEnumerable<TimedHistory>(split.Test, reuseRowObject: false).Take(40)];
        s_app = RecommendationServiceApp.Build(["--Model", onnx, "--urls", "http://127.0.0.1:0", "--Logging:LogLevel:Default", "Warning"]);
        await s_app.StartAsync(context.CancellationToken);
        string address = s_app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        s_client = new HttpClient { BaseAddress = new Uri(address) };
        for (int i = 0; i < 100 && (await s_client.GetAsync("/ready", context.CancellationToken)).StatusCode != HttpStatusCode.OK; i++)
        {
            await Task.Delay(50, context.CancellationToken);
        }
    }

    [ClassCleanup]
    public static async Task StopService()
    {
        s_client?.Dispose();
        if (s_app is not null)
        {
            await s_app.StopAsync();
            await s_app.DisposeAsync();
        }

        s_model?.Dispose();
        s_folder?.Dispose();
    }

    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    public async Task HealthAndReady_AfterStart_Return200()
    {
        Assert.AreEqual("healthy", await s_client.GetStringAsync("/health", TestContext.CancellationToken));
        Assert.AreEqual("ready", await s_client.GetStringAsync("/ready", TestContext.CancellationToken));
    }

    [TestMethod]
    public async Task Recommend_TestUsers_SameItemsAndScoresAsTorchSharpPredictionEngine()
    {
        var mlContext = new MLContext(seed: 1);
        using var engine = mlContext.Model.CreatePredictionEngine<TimedHistory, IntRecommendations>(s_model);
        foreach (var history in s_histories)
        {
            var expected = engine.Predict(history);
            var answer = await Post(Request(history));
            CollectionAssert.AreEqual(expected.PredictedItems.Select(i => (long)i).ToArray(), answer.Items.Select(i => i.Id).ToArray());
            for (int k = 0; k < expected.Scores.Length; k++)
            {
                Assert.AreEqual(expected.Scores[k], answer.Items[k].Score, 1e-5);
            }

            Assert.IsFalse(answer.IsPopularityFallback);
        }
    }

    [TestMethod]
    public async Task Recommend_EightClientsTwoThousandRequestsEach_NoErrorsAndTheSingleThreadedAnswers()
    {
        string[] bodies = [.. s_histories.Select(h => JsonSerializer.Serialize(Request(h), ServiceJsonContext.Default.RecommendationRequest))];
        var expected = new string[bodies.Length];
        for (int i = 0; i < bodies.Length; i++)
        {
            expected[i] = await PostRaw(bodies[i]);
        }

        var errors = new ConcurrentBag<string>();
        long answered = 0;
        await Task.WhenAll(Enumerable.Range(0, Clients).Select(client => Task.Run(async () =>
        {
            for (int r = 0; r < RequestsPerClient; r++)
            {
                int i = (client * 7 + r) % bodies.Length;
                using var content = new StringContent(bodies[i], Encoding.UTF8, "application/json");
                using var response = await s_client.PostAsync("/recommendations", content, TestContext.CancellationToken);
                string text = await response.Content.ReadAsStringAsync(TestContext.CancellationToken);
                if (response.StatusCode != HttpStatusCode.OK || text != expected[i])
                {
                    errors.Add($"client {client} request {r}: {(int)response.StatusCode} {text}");
                }

                Interlocked.Increment(ref answered);
            }
        })));

        Assert.AreEqual(Clients * RequestsPerClient, Interlocked.Read(ref answered));
        Assert.IsEmpty(errors, string.Join('\n', errors.Take(5)));
    }

    [TestMethod]
    public async Task Recommend_EmptyHistory_MostPopularItemsWithZeroScores()
    {
        var answer = await Post(new RecommendationRequest([], [], 2_000_000));
        Assert.IsTrue(answer.IsPopularityFallback);
        Assert.HasCount(s_model.NumberOfRecommendations, answer.Items);
        Assert.IsTrue(answer.Items.All(i => i.Score == 0));
    }

    [TestMethod]
    public async Task Recommend_Count_ReturnsThatManyOfTheBestItems()
    {
        var all = await Post(Request(s_histories[0]));
        var two = await Post(Request(s_histories[0]) with { Count = 2 });
        CollectionAssert.AreEqual(all.Items.Take(2).ToArray(), two.Items);
    }

    [TestMethod]
    [DataRow("{}", "'history' is required")]
    [DataRow("""{"history": [1, 2], "historyTimestamps": [1, 2]}""", "'timestamp'")]
    [DataRow("""{"history": [1, 2], "historyTimestamps": [1], "timestamp": 5}""", "'historyTimestamps' has 1 values for 2 history items")]
    [DataRow("""{"history": [1, 2], "historyTimestamps": [1, -2], "timestamp": 5}""", "'historyTimestamps[1]' is -2")]
    [DataRow("""{"history": [1], "historyTimestamps": [1], "timestamp": -5}""", "'timestamp' is -5")]
    [DataRow("""{"history": [1], "historyTimestamps": [1], "timestamp": 5, "count": 0}""", "'count' is 0; it must be from 1 to 5")]
    [DataRow("""{"history": [1], "historyTimestamps": [1], "timestamp": 5, "count": 6}""", "'count' is 6")]
    [DataRow("""{"history": [3000000000], "historyTimestamps": [1], "timestamp": 5}""", "'history[0]' is 3000000000")]
    [DataRow("""{"history": ["a"]}""", "The body is not a valid request")]
    [DataRow("""{"history": [1.5]}""", "The body is not a valid request")]
    [DataRow("not json", "The body is not a valid request")]
    [DataRow("", "The body is not a valid request")]
    public async Task Recommend_BadRequest_400NamingTheProblem(string body, string expected)
    {
        using var content = new StringContent(body, Encoding.UTF8, "application/json");
        using var response = await s_client.PostAsync("/recommendations", content, TestContext.CancellationToken);
        string text = await response.Content.ReadAsStringAsync(TestContext.CancellationToken);
        Assert.AreEqual(HttpStatusCode.BadRequest, response.StatusCode, text);
        StringAssert.Contains(text, expected);
    }

    [TestMethod]
    public void Build_MissingModelFile_ThrowsNamingIt()
    {
        var e = Assert.ThrowsExactly<FileNotFoundException>(() => RecommendationServiceApp.Build(["--Model", "/nowhere/model.onnx"]));
        StringAssert.Contains(e.Message, "/nowhere/model.onnx");
    }

    [TestMethod]
    public void Build_NoModelSetting_ThrowsSayingHowToGiveIt()
    {
        var e = Assert.ThrowsExactly<InvalidOperationException>(() => RecommendationServiceApp.Build([]));
        StringAssert.Contains(e.Message, "--Model");
    }

    private static RecommendationRequest Request(TimedHistory history)
        => new([.. history.History.Select(i => (long)i)], history.HistoryTimestamps, history.Timestamp);

    private async Task<RecommendationResponse> Post(RecommendationRequest request)
    {
        using var response = await s_client.PostAsJsonAsync("/recommendations", request, ServiceJsonContext.Default.RecommendationRequest, TestContext.CancellationToken);
        Assert.AreEqual(HttpStatusCode.OK, response.StatusCode, await response.Content.ReadAsStringAsync(TestContext.CancellationToken));
        return (await response.Content.ReadFromJsonAsync(ServiceJsonContext.Default.RecommendationResponse, TestContext.CancellationToken))!;
    }

    private async Task<string> PostRaw(string body)
    {
        using var content = new StringContent(body, Encoding.UTF8, "application/json");
        using var response = await s_client.PostAsync("/recommendations", content, TestContext.CancellationToken);
        Assert.AreEqual(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadAsStringAsync(TestContext.CancellationToken);
    }
}
