# DeployGuard web app. Build: docker build -t deployguard/web .
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
COPY global.json Directory.Build.props Directory.Packages.props .editorconfig DeployGuard.sln ./
COPY DeployGuard.Data/DeployGuard.Data.csproj DeployGuard.Data/
COPY DeployGuard.Scanning/DeployGuard.Scanning.csproj DeployGuard.Scanning/
COPY DeployGuard.Web/DeployGuard.Web.csproj DeployGuard.Web/
RUN dotnet restore DeployGuard.Web/DeployGuard.Web.csproj
COPY DeployGuard.Data/ DeployGuard.Data/
COPY DeployGuard.Scanning/ DeployGuard.Scanning/
COPY DeployGuard.Web/ DeployGuard.Web/
RUN dotnet publish DeployGuard.Web/DeployGuard.Web.csproj -c Release -o /app --no-restore

FROM mcr.microsoft.com/dotnet/aspnet:10.0 AS runtime
# git runs scan jobs; bash runs pipeline command stages.
RUN apt-get update && apt-get install -y --no-install-recommends git bash curl && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY --from=build /app .
ENV ASPNETCORE_URLS=http://+:8080 \
    ASPNETCORE_ENVIRONMENT=Production \
    ForwardedHeaders__Enabled=true
EXPOSE 8080
USER app
HEALTHCHECK --interval=30s --timeout=5s CMD curl -fs http://localhost:8080/healthz || exit 1
ENTRYPOINT ["dotnet", "DeployGuard.Web.dll"]
