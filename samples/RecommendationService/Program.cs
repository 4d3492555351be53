// The serving sample: dotnet run --project samples/RecommendationService -- --Model <model.onnx> [--Movies <movies.dat>]
// (docs/serving.md). Every setting is also read from appsettings.json and environment variables (Model, Movies).
using GenerativeRec.Samples.Serving;

await RecommendationServiceApp.Build(args).RunAsync();
